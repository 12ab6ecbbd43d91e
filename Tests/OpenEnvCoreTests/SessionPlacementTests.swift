import Testing

@testable import OpenEnvCore

/// Sessions placed over real one-session servers (the set-up's parrot_env): by room, past a
/// server that cannot be reached, and refused with what each server holds when they are full.
@Suite(.serialized) struct SessionPlacementTests {
    @Test func sessionsGoWhereThereIsRoomAndPastServersThatCannotBeReached() throws {
        let first = try LiveServer()
        let second = try LiveServer()
        defer {
            first.stop()
            second.stop()
        }
        let nobody = "http://127.0.0.1:\(LocalServerProcess.freePort())"
        var placement = try SessionPlacement(urls: [first.url, nobody, second.url])
        let sessions = try placement.open(2)
        defer { sessions.forEach { $0.close() } }
        #expect(Set(sessions.map(\.address.description)) == [first.url, second.url])
        #expect(placement.unreachable.keys.sorted() == [nobody])
        #expect(placement.full.isEmpty)  // the retry went to the server with none of ours yet, not back to the first
        #expect(placement.serversWithRoom == [first.url, second.url])
        for session in sessions { _ = try session.reset() }

        #expect {
            _ = try placement.open(1)
        } throws: { error in
            guard case .server(let refusal) = error as? SessionError else { return false }
            let text = "\(error)"
            return refusal.code == "CAPACITY_REACHED" && text.hasPrefix("the servers have room for 0 of the 1 sessions asked for: ")
                && text.contains("\(first.url) holds at most 1") && text.contains("\(second.url) holds at most 1")
                && text.contains("\(nobody) cannot be reached")
        }
    }

    @Test func noServerAtAllIsAConnectionErrorNamingEachAndNoURLIsRefused() throws {
        #expect(throws: SessionError.self) { _ = try SessionPlacement(urls: []) }
        var placement = try SessionPlacement(urls: ["http://127.0.0.1:\(LocalServerProcess.freePort())"])
        #expect {
            _ = try placement.open(1)
        } throws: { error in
            "\(error)".hasPrefix("Server not available at ")
        }
        let urls = (0..<2).map { _ in "http://127.0.0.1:\(LocalServerProcess.freePort())" }
        var neither = try SessionPlacement(urls: urls)
        #expect {
            _ = try neither.open(1)
        } throws: { error in
            guard case .transport(.noServerReachable(let servers)) = error as? SessionError else { return false }
            let text = "\(error)"
            return Set(servers.keys) == Set(urls) && text.hasPrefix("none of the 2 servers can be reached: ")
                && urls.allSatisfy { text.contains("\($0): cannot connect (Connection refused)") }
                && text.hasSuffix(". Are the environment servers running there?")
        }
    }
}
