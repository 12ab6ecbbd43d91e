/// Opens sessions without blocking the caller: connecting, the WebSocket handshake and any
/// server start run on a few threads of the engine's, and each result arrives as a
/// completion. Opening many sessions thus overlaps their round trips instead of queueing them.
public final class OpeningPool: @unchecked Sendable {
    /// The pool of this process.
    public static let shared = OpeningPool()

    /// At most 16 threads, each opening one session at a time.
    private let jobs = JobQueue(threads: 16, name: "openenv-open")

    /// Runs `open` on the pool; `queue` receives a completion tagged `tag` carrying the session,
    /// or whatever `open` threw. Sessions opened for an inline queue (`home`, else `queue`)
    /// belong to its I/O loop.
    public func submit(to queue: CompletionQueue, tag: UInt64, belongingTo home: CompletionQueue? = nil,
                       _ open: @escaping @Sendable () throws -> EnvSession) {
        jobs.add {
            let outcome = SessionLoop.$forNewSessions.withValue((home ?? queue).inlineLoop) { Result { Completion.Value.session(try open()) } }
            queue.post(Completion(tag: tag, outcome: outcome))
        }
    }
}
