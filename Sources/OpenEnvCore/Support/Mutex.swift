#if canImport(Glibc)
import Glibc
#endif

/// A plain mutual-exclusion lock (pthread), usable from Sendable classes.
final class Mutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` holding the lock.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Takes the lock if it is free; returns whether it did.
    func tryLock() -> Bool { pthread_mutex_trylock(&mutex) == 0 }

    /// Releases a lock taken with `tryLock` or `lock`.
    func unlock() { pthread_mutex_unlock(&mutex) }

    /// Takes the lock, waiting if needed.
    func lock() { pthread_mutex_lock(&mutex) }
}
