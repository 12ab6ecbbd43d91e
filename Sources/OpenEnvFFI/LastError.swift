#if canImport(Glibc)
import Glibc
#endif

/// The message (and details) of the last failed call on each thread, kept as C strings owned
/// by the library.
enum LastError {
    private static let messageKey = makeKey()
    private static let detailsKey = makeKey()

    private static func makeKey() -> pthread_key_t {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }

    /// Replaces the calling thread's message and details (JSON text, `null` when none).
    static func set(_ message: String, details: String = "null") {
        replace(messageKey, with: message)
        replace(detailsKey, with: details)
    }

    private static func replace(_ key: pthread_key_t, with text: String) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, strdup(text))
        free(previous)
    }

    /// The calling thread's message; empty when no call has failed on it.
    static var message: UnsafePointer<CChar> { current(messageKey, fallback: emptyString) }

    /// The calling thread's details; `null` when none.
    static var details: String {
        String(cString: current(detailsKey, fallback: nullString))
    }

    private static func current(_ key: pthread_key_t, fallback: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        if let pointer = pthread_getspecific(key) { return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self)) }
        return fallback
    }

    // Never written after initialization, so sharing them across threads is safe.
    nonisolated(unsafe) private static let emptyString: UnsafePointer<CChar> = UnsafePointer(strdup("")!)
    nonisolated(unsafe) private static let nullString: UnsafePointer<CChar> = UnsafePointer(strdup("null")!)
}
