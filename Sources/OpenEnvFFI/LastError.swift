#if canImport(Glibc)
import Glibc
#endif

/// The message of the last failed call on each thread, kept as a C string owned by the library.
enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }()

    /// Replaces the calling thread's message.
    static func set(_ message: String) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(previous)
    }

    /// The calling thread's message; empty when no call has failed on it.
    static var current: UnsafePointer<CChar> {
        if let pointer = pthread_getspecific(key) { return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self)) }
        return emptyString
    }

    // Never written after initialization, so sharing it across threads is safe.
    nonisolated(unsafe) private static let emptyString: UnsafePointer<CChar> = UnsafePointer(strdup("")!)
}
