import Testing

@testable import OpenEnvCore

/// What a failed connection says: the reference's phrase, the reason, and the hint once.
struct TransportErrorTests {
    @Test func aRefusedConnectionSaysSoOnce() throws {
        let url = "http://127.0.0.1:\(LocalServerProcess.freePort())"
        #expect {
            _ = try EnvSession(baseURL: url, options: SessionOptions())
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("Server not available at ws://127.0.0.1:") && text.contains("Connection refused")
                && text.components(separatedBy: "Is the environment server running there?").count == 2
        }
    }

    @Test func anHTTPHangUpIsNotToldInWebSocketWords() throws {
        let server = RecordingWebSocketServer(hangingUp: .beforeAnswering)
        let address = try ServerAddress(server.url)
        #expect {
            _ = try HTTPClient.getJSON(address, route: "/schema", timeout: 10, maximumSize: 1 << 20)
        } throws: { error in
            "\(error)" == "the server closed the connection: it hung up before the whole answer came (end of stream)"
        }
    }

    @Test func aWebSocketHangUpSaysNoCloseFrameCame() throws {
        let server = RecordingWebSocketServer(hangingUp: .onFirstMessage)
        let session = try EnvSession(baseURL: server.url, options: SessionOptions())
        defer { session.close() }
        #expect {
            _ = try session.state()
        } throws: { error in
            "\(error)" == "the server closed the connection: the connection was closed without a close frame"
        }
    }
}

@Suite struct ServerErrorTests {
    @Test func aCapacityErrorSaysWhenASessionClosedDuringACallIsFreed() {
        let error = ServerError(data: ["code": "CAPACITY_REACHED", "message": "Server at capacity", "active_sessions": 1, "max_sessions": 1])
        #expect(error.closesSession)
        #expect(error.description == "the server is at capacity (1 of 1 sessions in use): Server at capacity. "
            + "Close another session (one closed during a call is freed once the server's step ends; retry then), "
            + "or start the server with a higher max_concurrent_envs")
    }
}
