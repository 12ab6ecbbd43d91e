#if canImport(Glibc)
import Glibc
#endif

extension EnvSession {
    /// The WebSocket to `address`. When this process has just interrupted a call on that
    /// server (`InterruptedCalls`), the server may still hold the interrupted session's slot
    /// and answer CAPACITY_REACHED: then the new connection asks for the state once (the
    /// server's refusal comes before any answer) and, while refused, connects again after a
    /// short pause, until the interrupted call's deadline or the connect timeout. After that the
    /// capacity error is the answer, as before; another error that ends the session (the
    /// environment could not be made) is the answer at once. Elsewhere: one connection, nothing
    /// extra sent.
    static func connect(to address: ServerAddress, options: SessionOptions) throws -> WebSocketConnection {
        let headers = try options.handshakeLines(for: address)
        let open = { () throws(TransportError) in
            try WebSocketConnection(
                address: address, timeout: options.connectTimeout, maximumMessageSize: options.maximumMessageBytes, caFile: options.caFile,
                extraHeaders: headers)
        }
        guard let interrupted = InterruptedCalls.shared.deadline(for: address) else { return try open() }
        let connectDeadline = Deadline(seconds: options.connectTimeout)
        let limit = min(interrupted.uptimeNanoseconds, connectDeadline.uptimeNanoseconds)
        var pause: UInt64 = 10_000_000
        while true {
            let socket = try open()
            guard let refusal = try closingAnswer(on: socket, timeout: options.connectTimeout) else { return socket }
            socket.abort()
            guard refusal.code == "CAPACITY_REACHED", Deadline.now() + pause < limit else { throw SessionError.server(refusal) }
            usleep(UInt32(pause / 1000))
            pause = min(pause * 2, 100_000_000)
        }
    }

    /// Asks for the state on a new connection and returns the server's error if it ended the
    /// session (CAPACITY_REACHED, or a failure to make the environment), or nil when the server
    /// answered anything else: the session is then its own.
    private static func closingAnswer(on socket: WebSocketConnection, timeout: Double) throws(TransportError) -> ServerError? {
        try socket.send(text: SessionRequest.state.frame, timeout: timeout, operation: "asking a server that may still hold an interrupted session")
        let answer = try socket.receive(timeout: timeout, operation: "waiting for a server that may still hold an interrupted session")
        guard let message = try? JSONParser.forAnswers.parse(answer.bytes), message["type"]?.stringValue == "error" else { return nil }
        let error = ServerError(data: message["data"] ?? .null)
        return error.closesSession ? error : nil
    }
}
