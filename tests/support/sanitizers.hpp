// Compile-time knowledge of the sanitizer a test binary is built with, so stress tests can size
// their loops: ThreadSanitizer slows every atomic access by an order of magnitude.
#pragma once

namespace hedged::testing {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

}  // namespace hedged::testing
