// Emscripten JS library for mpopf's Ipopt build: the C++ glue (csrc/mpopf_ipopt.cpp) imports these.
// Each forwards to `Module.mpCallbacks`, installed by solvers/ipopt/wasm-solver.ts for the duration of
// one solve. They return 1 on success, 0 for "could not evaluate", -1 when the JavaScript code threw
// (the error itself is kept on the JavaScript side and rethrown after Ipopt has unwound).
mergeInto(LibraryManager.library, {
  mp_js_eval_f: function (n, x, newX, obj) {
    return Module["mpCallbacks"].evalF(n, x, newX, obj);
  },
  mp_js_eval_grad_f: function (n, x, newX, grad) {
    return Module["mpCallbacks"].evalGradF(n, x, newX, grad);
  },
  mp_js_eval_g: function (n, x, newX, m, g) {
    return Module["mpCallbacks"].evalG(n, x, newX, m, g);
  },
  mp_js_eval_jac: function (n, x, newX, m, nnz, values) {
    return Module["mpCallbacks"].evalJac(n, x, newX, m, nnz, values);
  },
  mp_js_eval_h: function (n, x, newX, objFactor, m, lambda, newLambda, nnz, values) {
    return Module["mpCallbacks"].evalH(n, x, newX, objFactor, m, lambda, newLambda, nnz, values);
  },
  mp_js_intermediate: function (mode, iter, obj, infPr, infDu, mu) {
    return Module["mpCallbacks"].intermediate(mode, iter, obj, infPr, infDu, mu);
  },
});
