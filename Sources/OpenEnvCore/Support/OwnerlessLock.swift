#if canImport(Glibc)
import Glibc
#endif

/// A lock that any thread may release, not only the one that took it.
///
/// A session's `callLock` is taken when a request goes on the wire and released when its
/// answer comes. With the event-loop queues' inline I/O loops (`SessionLoop`), those two may
/// happen on different threads (the event loop's, then a batch caller's that ran a pass, or the
/// engine's I/O thread once the queue is released), which a pthread mutex does not allow.
final class OwnerlessLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var released = pthread_cond_t()
    private var held = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&released, nil)
    }

    deinit {
        pthread_cond_destroy(&released)
        pthread_mutex_destroy(&mutex)
    }

    /// Takes the lock if it is free; returns whether it did.
    func tryLock() -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !held else { return false }
        held = true
        return true
    }

    /// Takes the lock, waiting while another holds it.
    func lock() {
        pthread_mutex_lock(&mutex)
        while held { pthread_cond_wait(&released, &mutex) }
        held = true
        pthread_mutex_unlock(&mutex)
    }

    /// Releases the lock, from any thread.
    func unlock() {
        pthread_mutex_lock(&mutex)
        held = false
        pthread_mutex_unlock(&mutex)
        pthread_cond_signal(&released)
    }

    /// Runs `body` holding the lock.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
