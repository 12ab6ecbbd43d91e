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
