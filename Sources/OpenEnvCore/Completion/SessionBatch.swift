/// Many sessions stepped together: every request is sent before any answer is awaited, so the
/// batch takes about as long as its slowest member, not the sum of them.
public enum SessionBatch {
    /// Performs each request on its session at once and waits for all; the results come back
    /// in the order given. One failure does not disturb the others.
    ///
    /// The I/O loop is woken once for the whole batch and the caller once, when the last
    /// answer is in. Waiting on a completion queue instead woke the caller at the end of every
    /// I/O pass that brought some of the answers, each wake-up contending with the loop for
    /// the queue's lock (measured at 64 sessions: the caller's CPU per step fell by a third).
    public static func perform(_ requests: [(EnvSession, SessionRequest)]) -> [Result<[UInt8], SessionError>] {
        guard !requests.isEmpty else { return [] }
        let answers = BatchAnswers(count: requests.count)
        for (index, (session, request)) in requests.enumerated() {
            answers.underWay.enter()
            session.loop.submit(Submission(request: request) { outcome in
                answers.results[index] = request.result(of: outcome)
                answers.underWay.leave()
            }, on: session, wakingTheLoop: false)
        }
        SessionLoop.shared.wakeForDeferred()
        SessionLoop.wait(until: answers.underWay, running: Self.inlineLoops(of: requests))
        return answers.results.map { $0! }
    }
}

extension SessionBatch {
    /// The inline loops (event-loop queues') of the sessions in `requests`, each once.
    fileprivate static func inlineLoops(of requests: [(EnvSession, SessionRequest)]) -> [SessionLoop] {
        var seen: [ObjectIdentifier: SessionLoop] = [:]
        for (session, _) in requests where session.loop.isInline { seen[ObjectIdentifier(session.loop)] = session.loop }
        return Array(seen.values)
    }
}

/// A batch's results as they come. Written only in I/O loop passes (where submissions
/// deliver), read by the caller once `underWay` reaches zero, whose lock orders the two.
private final class BatchAnswers: @unchecked Sendable {
    var results: [Result<[UInt8], SessionError>?]
    let underWay = CountdownGate()

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }
}
