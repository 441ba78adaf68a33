/** glibc's malloc_trim(0): true if memory was returned to the OS, undefined where the C library is not glibc. */
export function trim (): boolean | undefined
