import type { CommandModule } from "yargs";

/** `mpopf case show NAME`: summary of a study case. */
export const caseCommand: CommandModule = {
  command: "case <action> <name>",
  describe: "Inspect a study case (action: show)",
  handler: () => {
    throw new Error("case show: not implemented yet");
  },
};
