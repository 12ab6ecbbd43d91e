/// Servers on which this process has just interrupted a call (closed a session while its
/// request was on the wire), each with the interrupted call's deadline.
///
/// A server frees an interrupted session's slot only when the step it was running ends, so a
/// session opened there at once can meet CAPACITY_REACHED although nothing else holds the
/// slot (measured: 8 reconnects in 100 on a one-session server). Opening a session to a
/// server listed here waits for that slot (`EnvSession.connect`) until the interrupted call's
/// deadline or the connect timeout, whichever comes first.
final class InterruptedCalls: @unchecked Sendable {
    /// The process's list.
    static let shared = InterruptedCalls()

    private let lock = Mutex()
    private var deadlines: [String: Deadline] = [:]

    /// Notes that a call to `server` was interrupted; its server-side work ends by `deadline`.
    func record(_ server: ServerAddress, until deadline: Deadline) {
        lock.withLock {
            let key = server.description
            if let known = deadlines[key], known.uptimeNanoseconds >= deadline.uptimeNanoseconds { return }
            deadlines[key] = deadline
        }
    }

    /// The deadline of the latest call interrupted on `server`, if it has not passed.
    func deadline(for server: ServerAddress) -> Deadline? {
        lock.withLock {
            let now = Deadline.now()
            deadlines = deadlines.filter { $0.value.uptimeNanoseconds > now }
            return deadlines[server.description]
        }
    }
}
