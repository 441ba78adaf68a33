// trim(): glibc's malloc_trim(0), which returns every whole free page of every malloc arena to the
// OS (madvise), not only the top of the heap as free() does. Returns true if memory was released,
// false if none could be, and undefined where the C library is not glibc (nothing to call).
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value Trim(napi_env env, napi_callback_info info) {
  napi_value result;
#if defined(__GLIBC__)
  napi_get_boolean(env, malloc_trim(0) != 0, &result);
#else
  napi_get_undefined(env, &result);
#endif
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  return exports;
}
