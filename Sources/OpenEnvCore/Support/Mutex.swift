#if canImport(Glibc)
import Glibc
#endif

/// A plain mutual-exclusion lock (pthread), usable from Sendable classes.
///
/// Deliberately not the standard library's `Synchronization.Mutex`: this toolchain's
/// ThreadSanitizer does not see that lock's acquire/release, so it reports every access it
/// guards as a race and the TSan pass could not vouch for such code. pthread mutexes it sees.
package final class Mutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    package init() { pthread_mutex_init(&mutex, nil) }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` holding the lock.
    package func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Takes the lock if it is free; returns whether it did.
    package func tryLock() -> Bool { pthread_mutex_trylock(&mutex) == 0 }

    /// Releases a lock taken with `tryLock` or `lock`.
    package func unlock() { pthread_mutex_unlock(&mutex) }

    /// Takes the lock, waiting if needed.
    package func lock() { pthread_mutex_lock(&mutex) }
}
