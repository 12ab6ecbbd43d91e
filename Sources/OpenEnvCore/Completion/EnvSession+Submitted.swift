/// Requests that do not block their caller: the engine's I/O loop sends them and reports the
/// answers, so one thread (or one event loop) can drive any number of sessions.
extension EnvSession {
    /// Sends `request` without blocking; `queue` receives a completion tagged `tag` with the
    /// result as JSON text (see `SessionRequest`). Requests on one session go on the wire one
    /// at a time, in the order submitted, and wait for any blocking call on it to finish.
    ///
    /// `deferred`: the I/O loop is not woken for this request; `sendDeferredSubmissions()`
    /// wakes it once for all deferred so far (any other submission or close does too). Saves a
    /// wake-up of the loop's thread per request when many are submitted together.
    public func submit(_ request: SessionRequest, to queue: CompletionQueue, tag: UInt64, deferred: Bool = false) {
        let loop = self.loop
        loop.submit(Submission(request: request) { outcome in
            let result = request.result(of: outcome)
            queue.post(Completion(tag: tag, outcome: result.map { .json($0) }.mapError { $0 }), signalling: false)
            loop.signalAfterThisPass(queue)
        }, on: self, wakingTheLoop: !deferred)
    }

    /// Puts the requests submitted with `deferred: true` on their way.
    public static func sendDeferredSubmissions() {
        SessionLoop.shared.wakeForDeferred()
    }

    /// `request` through the I/O loop, for Swift concurrency: the task suspends, no thread
    /// waits. The answer is awaited even if the task is cancelled, so the session stays in step.
    public func submitted(_ request: SessionRequest) async throws(SessionError) -> [UInt8] {
        let (answer, bytes) = try await answer(to: request)
        return try request.result(answer: answer, bytes: bytes)
    }

    /// Starts a new episode, through the I/O loop.
    public func reset(_ parameters: JSONObject = JSONObject()) async throws(SessionError) -> StepResult {
        try StepResult(data: await answer(to: .reset(parameters)).answer["data"] ?? .null)
    }

    /// Sends one action, through the I/O loop.
    public func step(_ action: JSONObject) async throws(SessionError) -> StepResult {
        try StepResult(data: await answer(to: .step(action)).answer["data"] ?? .null)
    }

    /// The environment's state, through the I/O loop.
    public func state() async throws(SessionError) -> JSONObject {
        guard let state = try await answer(to: .state).answer["data"]?.objectValue else { throw .unexpectedAnswer("a state that is not an object") }
        return state
    }

    private func answer(to request: SessionRequest) async throws(SessionError) -> (answer: JSONValue, bytes: [UInt8]) {
        let outcome = await withCheckedContinuation { continuation in
            loop.submit(Submission(request: request) { continuation.resume(returning: $0) }, on: self)
            if loop.isInline { SessionLoop.runWhileAwaited(self) }
        }
        return try outcome.get()
    }
}
