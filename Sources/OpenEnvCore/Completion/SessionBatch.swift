/// Many sessions stepped together: every request is sent before any answer is awaited, so the
/// batch takes about as long as its slowest member, not the sum of them.
public enum SessionBatch {
    /// Performs each request on its session at once and waits for all; the results come back
    /// in the order given. One failure does not disturb the others.
    public static func perform(_ requests: [(EnvSession, SessionRequest)]) -> [Result<[UInt8], SessionError>] {
        guard !requests.isEmpty else { return [] }
        let queue: CompletionQueue
        do {
            queue = try CompletionQueue()
        } catch {
            return requests.map { _ in .failure(error) }
        }
        for (index, (session, request)) in requests.enumerated() {
            session.submit(request, to: queue, tag: UInt64(index), deferred: true)
        }
        EnvSession.sendDeferredSubmissions()
        var results = [Result<[UInt8], SessionError>?](repeating: nil, count: requests.count)
        var remaining = requests.count
        while remaining > 0 {
            for completion in queue.collect(maximum: remaining, timeout: -1) {
                results[Int(completion.tag)] = completion.outcome.map { value in
                    guard case .json(let bytes) = value else { return [] }
                    return bytes
                }.mapError { $0 as? SessionError ?? .invalidArgument("\($0)") }
                remaining -= 1
            }
        }
        return results.map { $0! }
    }
}
