import Foundation

/// Opens sessions without blocking the caller: connecting, the WebSocket handshake and any
/// server start run on a few threads of the engine's, and each result arrives as a
/// completion. Opening many sessions thus overlaps their round trips instead of queueing them.
public final class OpeningPool: @unchecked Sendable {
    /// The pool of this process.
    public static let shared = OpeningPool()

    /// Threads at most; each opens one session at a time.
    static let width = 16

    private let lock = Mutex()
    private let ready = DispatchSemaphore(value: 0)
    private var jobs: [() -> Void] = []
    private var threads = 0

    /// Runs `open` on the pool; `queue` receives a completion tagged `tag` carrying the session,
    /// or whatever `open` threw.
    public func submit(to queue: CompletionQueue, tag: UInt64, _ open: @escaping @Sendable () throws -> EnvSession) {
        let startThread = lock.withLock { () -> Bool in
            jobs.append {
                queue.post(Completion(tag: tag, outcome: Result { .session(try open()) }))
            }
            guard threads < Self.width, jobs.count > 0 else { return false }
            threads += 1
            return true
        }
        ready.signal()
        if startThread {
            let thread = Thread { [self] in
                while true {
                    ready.wait()
                    lock.withLock { jobs.removeFirst() }()
                }
            }
            thread.name = "openenv-open"
            thread.start()
        }
    }
}
