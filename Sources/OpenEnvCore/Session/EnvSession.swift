/// A conversation with one environment instance on an OpenEnv server, over its WebSocket.
///
/// Calls are strictly request/response. A session may be shared between threads: calls are
/// serialized (a second caller waits for the first), never interleaved on the wire. `close()`
/// may be called from any thread at any time; a call in flight then fails with `closed`.
public final class EnvSession: @unchecked Sendable {
    /// The server.
    public let address: ServerAddress
    /// The limits in force.
    public let options: SessionOptions
    let socket: WebSocketConnection
    /// Held by whoever is using the connection: a blocking call's thread, or the I/O loop
    /// for the whole of a submitted request.
    let callLock = OwnerlessLock()
    private let stateLock = Mutex()
    private var closedReason: String?
    /// How the connection was lost while no call was under way (see `lose(because:)`): the
    /// next call fails with it, later ones as closed.
    private var lossToReport: SessionError?
    /// The I/O loop that moves this session's submitted requests: an inline queue's when
    /// opened through one, else the engine's I/O thread's.
    let loop = SessionLoop.forNewSessions ?? .shared
    /// The I/O loop's bookkeeping; touched in its passes only.
    let submissions = SessionSubmissions()
    /// Submitted requests not yet delivered: a blocking call waits for them, so calls on one
    /// session happen in the order they were made, whichever way.
    let submittedUnderWay = CountdownGate()
    /// The server this session started, stopped when the session closes.
    private let runtime: (any ServerRuntime)?

    /// Opens a session with the server at `baseURL` (`http://host:port`, with an optional path
    /// prefix). A `runtime` that started that server is stopped when the session closes (or
    /// at once, if the session cannot be opened).
    public init(baseURL: String, options: SessionOptions = SessionOptions(), runtime: (any ServerRuntime)? = nil) throws(SessionError) {
        do {
            address = try ServerAddress(baseURL)
            socket = try Self.connect(to: address, options: options)
        } catch let error as TransportError {
            runtime?.stop()
            throw .transport(error)
        } catch {
            runtime?.stop()
            throw error as? SessionError ?? .invalidArgument("\(error)")
        }
        self.options = options
        self.runtime = runtime
        loop.bind()
        loop.watch(self)
    }

    deinit {
        loop.unwatch(socket.descriptor)
        loop.unbind()
        socket.abort()
        runtime?.stop()
    }

    /// The server process or container this session started, if any.
    public var startedServer: (any ServerRuntime)? { runtime }

    /// Whether the session can no longer be used.
    public var isClosed: Bool {
        stateLock.withLock { closedReason != nil }
    }

    /// Why the session closed, once it has.
    var closeReason: String? {
        stateLock.withLock { closedReason }
    }

    /// Starts a new episode; `parameters` are the environment's reset arguments (`seed`, `episode_id`, ...).
    public func reset(_ parameters: JSONObject = JSONObject()) throws(SessionError) -> StepResult {
        try StepResult(data: exchange(.reset(parameters))["data"] ?? .null)
    }

    /// Sends one action (the action's fields as a JSON object).
    public func step(_ action: JSONObject) throws(SessionError) -> StepResult {
        try StepResult(data: exchange(.step(action))["data"] ?? .null)
    }

    /// The environment's state (`episode_id`, `step_count`, and whatever else it keeps).
    public func state() throws(SessionError) -> JSONObject {
        guard let object = try exchange(.state)["data"]?.objectValue else { throw .unexpectedAnswer("a state that is not an object") }
        return object
    }

    /// Sends `request` and waits for its answer, as JSON text (see `SessionRequest`).
    public func perform(_ request: SessionRequest) throws(SessionError) -> [UInt8] {
        let (answer, bytes) = try exchangeText(request)
        return try request.result(answer: answer, bytes: bytes)
    }

    /// The server's action, observation and state JSON Schemas (`GET /schema`).
    public func schema() throws(SessionError) -> JSONValue { try get("/schema") }

    /// The server's metadata (`GET /metadata`).
    public func metadata() throws(SessionError) -> JSONValue { try get("/metadata") }

    /// The server's health (`GET /health`).
    public func health() throws(SessionError) -> JSONValue { try get("/health") }

    /// Ends the session: tells the server, then closes the connection, and stops the server
    /// this session started (if any). Safe from any thread, any number of times. A call in
    /// flight on another thread fails with `closed`.
    public func close() {
        hangUp()
        runtime?.stop()
    }

    /// Ends the server's session as `close()` does, waiting (up to a second) until the server
    /// has let it go, but keeps the server this session started running until `close()`: its
    /// slot is then free for another connection, as when a client connects lazily to a
    /// server started for it. Safe from any thread, any number of times.
    public func hangUp() {
        let first = stateLock.withLock { () -> Bool in
            guard closedReason == nil else { return false }
            closedReason = "closed by the client"
            return true
        }
        guard first else { return }
        if callLock.tryLock() {
            defer { callLock.unlock() }
            // The server closes the connection itself on {"type": "close"}; waiting for its
            // close frame (rather than closing first) lets it finish cleanly.
            do {
                try socket.send(text: Array("{\"type\":\"close\"}".utf8), timeout: 1, operation: "closing")
                socket.awaitServerClose(timeout: 1)
            } catch {
                socket.close()
            }
        } else {
            // A call is on the wire: the server frees this session's slot when that call ends.
            InterruptedCalls.shared.record(address, until: Deadline(seconds: options.messageTimeout))
            socket.abort()
        }
        loop.forget(self)
    }

    private func get(_ route: String) throws(SessionError) -> JSONValue {
        try options.getJSON(route, from: address)
    }

    /// Sends `request` and returns the answer, checked (see `conclude`).
    private func exchange(_ request: SessionRequest) throws(SessionError) -> JSONValue {
        try exchangeText(request).answer
    }

    private func exchangeText(_ request: SessionRequest) throws(SessionError) -> (answer: JSONValue, bytes: [UInt8]) {
        try exchange(frame: request.frame, type: request.type, expecting: request.expecting, reading: request.answerReading)
    }

    /// Sends one text frame as it is and returns the answer of type `expecting` (any but
    /// `error` when nil), read as far as `reading` says (see `conclude`). Internal: the tests
    /// use it to send what the public calls never would.
    func exchange(frame bytes: [UInt8], type: String, expecting: String?, reading: AnswerReading = .parsed) throws(SessionError) -> (answer: JSONValue, bytes: [UInt8]) {
        SessionLoop.wait(until: submittedUnderWay, running: [loop])
        return try callLock.withLock { () throws(SessionError) -> (answer: JSONValue, bytes: [UInt8]) in
            if let failure = failureIfClosed() { throw failure }
            try checkSize(of: bytes)
            let received: (bytes: [UInt8], isText: Bool)
            do throws(TransportError) {
                try socket.send(text: bytes, timeout: options.messageTimeout, operation: "sending \(type)")
                received = try socket.receive(timeout: options.messageTimeout, operation: "waiting for the answer to \(type)")
            } catch {
                throw endSession(because: .transport(error))
            }
            return try conclude(received, type: type, expecting: expecting, reading: reading)
        }
    }

    /// Refuses, before anything is sent, a message over `max_message_bytes`: the session stays
    /// open, and the caller learns the size instead of a dropped connection.
    func checkSize(of frame: [UInt8]) throws(SessionError) {
        guard frame.count <= options.maximumMessageBytes else {
            throw .invalidArgument("the message is \(frame.count) bytes, more than max_message_bytes (\(options.maximumMessageBytes)); "
                + "nothing was sent and the session is still open. Send less, or raise max_message_bytes if the server accepts it")
        }
    }

    /// Checks a received message: a JSON object of type `expecting` (any but `error` when
    /// nil) comes back as received, and parsed when `reading` is `.parsed` (else as `null`);
    /// an error message becomes `.server`; anything else ends the session. Read
    /// `.asReceived`, any text message comes back unchecked. The caller holds `callLock`.
    func conclude(_ received: (bytes: [UInt8], isText: Bool), type: String, expecting: String?, reading: AnswerReading = .parsed) throws(SessionError) -> (answer: JSONValue, bytes: [UInt8]) {
        guard received.isText else { throw endSession(because: .unexpectedAnswer("a binary frame")) }
        if reading == .asReceived { return (.null, received.bytes) }
        var answer = JSONValue.null
        let answerType: String?
        do {
            if reading == .parsed {
                answer = try JSONParser.forAnswers.parse(received.bytes)
                answerType = answer["type"]?.stringValue
            } else {
                answerType = try JSONParser.forAnswers.messageType(of: received.bytes)
            }
        } catch {
            throw endSession(because: .unexpectedAnswer("malformed JSON (\(error))"))
        }
        switch answerType {
        case "error"?:
            if reading != .parsed { answer = (try? JSONParser.forAnswers.parse(received.bytes)) ?? .null }  // checked: it parses
            let error = ServerError(data: answer["data"] ?? .null)
            if error.closesSession { throw endSession(because: .server(error)) }
            throw .server(error)
        case let other? where expecting == nil || other == expecting:
            return (answer, received.bytes)
        case let other:
            throw endSession(because: .unexpectedAnswer("a message of type '\(other ?? "none")' to a \(type) request"))
        }
    }

    /// Why a call made now fails, if the session is closed: how its connection was lost while
    /// idle, for the first call after the loss; `.closed` with the reason otherwise.
    func failureIfClosed() -> SessionError? {
        stateLock.withLock { () -> SessionError? in
            guard let reason = closedReason else { return nil }
            defer { lossToReport = nil }
            return lossToReport ?? .closed(reason: reason)
        }
    }

    /// Marks the session closed after its connection was found lost while no call was under
    /// way (by the I/O loop, which holds `callLock`): the next call fails with `error`.
    func lose(because error: SessionError, closeCode: UInt16 = 1001) {
        let first = stateLock.withLock { () -> Bool in
            guard closedReason == nil else { return false }
            closedReason = "\(error)"
            lossToReport = error
            return true
        }
        if first { socket.abort(code: closeCode) }
    }

    /// Ends the session on a message the server sent while no request waited for one. A
    /// closing server error sent on its own (CAPACITY_REACHED, FACTORY_ERROR, SESSION_ERROR)
    /// is the server refusing or ending the session, and is reported as that error; anything
    /// else breaks the protocol (answers come only to requests), and the session is closed
    /// with 1002 (protocol error). The caller holds `callLock`.
    func closeOnUnprompted(_ message: (bytes: [UInt8], isText: Bool)) {
        if message.isText, let parsed = try? JSONParser.forAnswers.parse(message.bytes), parsed["type"]?.stringValue == "error" {
            let error = ServerError(data: parsed["data"] ?? .null)
            if error.closesSession { return lose(because: .server(error)) }
        }
        let text = String(decoding: message.bytes.prefix(200), as: UTF8.self)
        let what = message.isText ? "a message while no request was waiting for one (\(quoted(text)))" : "a binary frame while no request was waiting"
        lose(because: .unexpectedAnswer(what), closeCode: 1002)
    }

    /// Marks the session closed after a failure that leaves the conversation unusable.
    func endSession(because error: SessionError) -> SessionError {
        let userClosed = stateLock.withLock { () -> String? in
            if let reason = closedReason { return reason }
            closedReason = "\(error)"
            return nil
        }
        socket.abort()
        if let userClosed { return .closed(reason: userClosed) }
        return error
    }
}
