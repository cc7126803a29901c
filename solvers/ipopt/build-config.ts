/**
 * What the Ipopt-in-WebAssembly build compiles and how: shared by the build script (build.ts) and by
 * the artifact check (artifact.ts), so that a change of any own C/C++ source, the JS glue or a flag
 * changes the artifact key and triggers a rebuild.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Project root (two levels above solvers/ipopt). */
export const projectRoot = resolve(here, "..", "..");
/** Own C/C++ sources (config header, BLAS/LAPACK, sparse LDL^T, Ipopt glue). */
export const csrcDir = join(here, "csrc");
/** Emscripten JS library imported by the glue. */
export const glueLibrary = join(here, "glue", "library.js");
/** Everything the build writes (fetched sources, objects, artifact); ignored by git. */
export const buildDir = join(projectRoot, "build", "ipopt");
/** Debian source packages are unpacked here. */
export const srcDir = join(buildDir, "src");
/** The artifact: ipopt.cjs (Emscripten JS loader), ipopt.wasm and stamp.json. */
export const distDir = join(buildDir, "dist");

/** Debian source packages (bookworm) and the directories apt-get source unpacks them into. */
export const ipoptSource = {
  pkg: "coinor-ipopt",
  suite: "bookworm",
  version: "3.11.9",
  dir: "coinor-ipopt-3.11.9",
};
export const suitesparseSource = {
  pkg: "suitesparse",
  suite: "bookworm",
  version: "5.12.0+dfsg",
  dir: "suitesparse-5.12.0+dfsg",
};

/** Ipopt 3.11.9 translation units compiled into the module (relative to Ipopt/src). */
export const ipoptUnits: string[] = [
  ...[
    "IpDebug",
    "IpJournalist",
    "IpObserver",
    "IpOptionsList",
    "IpRegOptions",
    "IpTaggedObject",
    "IpUtils",
  ].map((f) => `Common/${f}.cpp`),
  ...[
    "IpBlas",
    "IpCompoundMatrix",
    "IpCompoundSymMatrix",
    "IpCompoundVector",
    "IpDenseGenMatrix",
    "IpDenseSymMatrix",
    "IpDenseVector",
    "IpDiagMatrix",
    "IpExpandedMultiVectorMatrix",
    "IpExpansionMatrix",
    "IpIdentityMatrix",
    "IpLapack",
    "IpLowRankUpdateSymMatrix",
    "IpMatrix",
    "IpMultiVectorMatrix",
    "IpScaledMatrix",
    "IpSumMatrix",
    "IpSumSymMatrix",
    "IpSymScaledMatrix",
    "IpTransposeMatrix",
    "IpVector",
    "IpZeroMatrix",
  ].map((f) => `LinAlg/${f}.cpp`),
  ...["IpGenTMatrix", "IpSymTMatrix", "IpTripletHelper"].map((f) => `LinAlg/TMatrices/${f}.cpp`),
  ...[
    "IpAdaptiveMuUpdate",
    "IpAlgBuilder",
    "IpAlgorithmRegOp",
    "IpAugRestoSystemSolver",
    "IpBacktrackingLineSearch",
    "IpDefaultIterateInitializer",
    "IpEquilibrationScaling",
    "IpExactHessianUpdater",
    "IpFilter",
    "IpFilterLSAcceptor",
    "IpGenAugSystemSolver",
    "IpGradientScaling",
    "IpIpoptAlg",
    "IpIpoptCalculatedQuantities",
    "IpIpoptData",
    "IpIteratesVector",
    "IpLeastSquareMults",
    "IpLimMemQuasiNewtonUpdater",
    "IpLoqoMuOracle",
    "IpLowRankAugSystemSolver",
    "IpLowRankSSAugSystemSolver",
    "IpMonotoneMuUpdate",
    "IpNLPBoundsRemover",
    "IpNLPScaling",
    "IpOptErrorConvCheck",
    "IpOrigIpoptNLP",
    "IpOrigIterationOutput",
    "IpPDFullSpaceSolver",
    "IpPDPerturbationHandler",
    "IpPDSearchDirCalc",
    "IpPenaltyLSAcceptor",
    "IpProbingMuOracle",
    "IpQualityFunctionMuOracle",
    "IpRestoConvCheck",
    "IpRestoFilterConvCheck",
    "IpRestoIpoptNLP",
    "IpRestoIterateInitializer",
    "IpRestoIterationOutput",
    "IpRestoMinC_1Nrm",
    "IpRestoPenaltyConvCheck",
    "IpRestoRestoPhase",
    "IpStdAugSystemSolver",
    "IpTimingStatistics",
    "IpUserScaling",
    "IpWarmStartIterateInitializer",
  ].map((f) => `Algorithm/${f}.cpp`),
  ...[
    "IpLinearSolversRegOp",
    "IpSlackBasedTSymScalingMethod",
    "IpTripletToCSRConverter",
    "IpTSymDependencyDetector",
    "IpTSymLinearSolver",
  ].map((f) => `Algorithm/LinearSolvers/${f}.cpp`),
  ...["IpInterfacesRegOp", "IpIpoptApplication", "IpSolveStatistics", "IpTNLPAdapter", "IpTNLPReducer"].map(
    (f) => `Interfaces/${f}.cpp`,
  ),
  ...[
    "IpCGPenaltyCq",
    "IpCGPenaltyData",
    "IpCGPenaltyLSAcceptor",
    "IpCGPenaltyRegOp",
    "IpCGPerturbationHandler",
    "IpCGSearchDirCalc",
    "IpPiecewisePenalty",
  ].map((f) => `contrib/CGPenalty/${f}.cpp`),
];

/** SuiteSparse AMD (int version) and SuiteSparse_config, relative to the suitesparse source root. */
export const amdUnits: string[] = [
  ...[
    "amd_1",
    "amd_2",
    "amd_aat",
    "amd_control",
    "amd_defaults",
    "amd_dump",
    "amd_global",
    "amd_info",
    "amd_order",
    "amd_post_tree",
    "amd_postorder",
    "amd_preprocess",
    "amd_valid",
  ].map((f) => `AMD/Source/${f}.c`),
  "SuiteSparse_config/SuiteSparse_config.c",
];

/** Include directories of Ipopt's sources (relative to Ipopt/src). */
export const ipoptIncludeDirs = [
  "Common",
  "LinAlg",
  "LinAlg/TMatrices",
  "Algorithm",
  "Algorithm/LinearSolvers",
  "Interfaces",
  "contrib/CGPenalty",
];

/** Flags for every compile and the link. */
export const commonFlags = ["-O3", "-fwasm-exceptions", "-msimd128"];
/** Extra flags for C++ (Ipopt and glue). */
export const cxxFlags = [
  "-std=c++14",
  "-DHAVE_CONFIG_H",
  "-DIPOPT_BUILD",
  "-DHAVE_CSTDDEF",
  "-Wno-reserved-user-defined-literal",
  "-Wno-deprecated-register",
  "-Wno-register",
];
/** Extra flags for C (AMD, BLAS, LAPACK). */
export const cFlags = ["-DDINT", "-DNTIMER"];

/** C functions the JavaScript side calls. */
export const exportedFunctions = [
  "_malloc",
  "_free",
  "_mp_new",
  "_mp_delete",
  "_mp_option_type",
  "_mp_set_num_option",
  "_mp_set_int_option",
  "_mp_set_str_option",
  "_mp_solve",
  "_mp_iterations",
  "_mp_finalized",
  "_mp_messages",
  "_mp_timings",
];

/** Link flags (Node, synchronous instantiation, growable memory, no process handlers). */
export const linkFlags = [
  "-sENVIRONMENT=node",
  "-sWASM_ASYNC_COMPILATION=0",
  "-sMODULARIZE=1",
  "-sEXPORT_NAME=createIpoptModule",
  "-sALLOW_MEMORY_GROWTH=1",
  "-sMAXIMUM_MEMORY=4GB",
  "-sINITIAL_MEMORY=33554432",
  "-sNODEJS_CATCH_EXIT=0",
  "-sNODEJS_CATCH_REJECTION=0",
  `-sEXPORTED_FUNCTIONS=${JSON.stringify(exportedFunctions)}`,
  `-sEXPORTED_RUNTIME_METHODS=${JSON.stringify(["stringToUTF8", "lengthBytesUTF8", "UTF8ToString"])}`,
];

/** Bump when the build procedure itself changes in a way the flags do not capture. */
const buildRecipeVersion = 1;

/** Own source files that go into the artifact key (sorted, absolute). */
export function ownSourceFiles(): string[] {
  const c = readdirSync(csrcDir)
    .filter((f) => /\.(c|cpp|h|hpp)$/.test(f))
    .sort()
    .map((f) => join(csrcDir, f));
  return [...c, glueLibrary];
}

/** Key of the compile flags and upstream versions (used for the cached upstream objects). */
export function flagsKey(): string {
  const h = createHash("sha256");
  h.update(
    JSON.stringify({
      buildRecipeVersion,
      commonFlags,
      cxxFlags,
      cFlags,
      ipopt: ipoptSource.version,
      suitesparse: suitesparseSource.version,
      config: readFileSync(join(csrcDir, "config.h"), "utf8"),
    }),
  );
  return h.digest("hex").slice(0, 16);
}

/** Key of the whole artifact: flags, link flags, unit lists and the contents of all own sources. */
export function artifactKey(): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ flags: flagsKey(), linkFlags, ipoptUnits, amdUnits }));
  for (const f of ownSourceFiles()) {
    h.update(f.slice(projectRoot.length));
    h.update(readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}
