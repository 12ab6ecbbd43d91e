import Foundation
import Testing

@testable import OpenEnvCore

/// The Hugging Face token: where it comes from, which servers get it, and how git gets it for
/// installs. Serialized: it sets this process's environment variables.
@Suite(.serialized) struct HubTokenTests {
    /// Sets the token variables to exactly `values`; returns what puts them back.
    func tokenEnvironment(_ values: [String: String]) -> () -> Void {
        let names = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME"]
        let saved = names.map { ($0, FileSystem.environment($0)) }
        for name in names { unsetenv(name) }
        for (name, value) in values { setenv(name, value, 1) }
        return { for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } } }
    }

    @Test func goesToHuggingFaceSpacesOnlyUnlessGivenExplicitly() throws {
        let restore = tokenEnvironment(["HF_TOKEN": " hf_abc \n"])
        defer { restore() }
        do {
            let options = SessionOptions()
            #expect(try options.authorization(for: ServerAddress("https://owner-space.hf.space")) == "Bearer hf_abc")
            #expect(try options.authorization(for: ServerAddress("https://Owner-Space.HF.space/prefix")) == "Bearer hf_abc")
            #expect(try options.authorization(for: ServerAddress("http://owner-space.hf.space")) == nil)  // never in clear text
            #expect(try options.authorization(for: ServerAddress("https://hf.space.example.com")) == nil)
            #expect(try options.authorization(for: ServerAddress("http://127.0.0.1:8000")) == nil)
            var explicit = SessionOptions()
            explicit.bearerToken = "mine"
            #expect(try explicit.authorization(for: ServerAddress("http://127.0.0.1:8000")) == "Bearer mine")
            #expect(try explicit.authorization(for: ServerAddress("https://owner-space.hf.space")) == "Bearer mine")
        }
    }

    @Test func comesFromTheLegacyVariableOrTheTokenFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hf-home-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("hf_from_file\n".utf8).write(to: folder.appendingPathComponent("token"))
        let restore = tokenEnvironment([:])
        defer { restore() }
        for (values, expected) in [
            (["HUGGING_FACE_HUB_TOKEN": "hf_legacy"], "hf_legacy"), (["HF_HOME": folder.path], "hf_from_file"),
            (["HF_TOKEN_PATH": folder.appendingPathComponent("token").path, "HF_HOME": "/nowhere"], "hf_from_file"),
            (["HF_HOME": "/nowhere"], nil),
        ] as [([String: String], String?)] {
            _ = tokenEnvironment(values)
            #expect(HubRepository.token == expected, "\(values)")
        }
    }

    @Test func aTokenThatWouldBreakTheHeaderIsRefused() throws {
        let restore = tokenEnvironment(["HF_TOKEN": "hf_a\r\nX-Injected: 1"])
        defer { restore() }
        #expect(throws: SessionError.self) { try SessionOptions().authorization(for: ServerAddress("https://owner-space.hf.space")) }
        #expect(throws: SessionError.self) { try SessionOptions(json: ["bearer_token": 5]) }
        #expect(throws: SessionError.self) { try SessionOptions(json: ["bearer_token": ""]).authorization(for: ServerAddress("http://127.0.0.1:1")) }
    }

    @Test func aBaseURLGivenWithAHubNameGetsNoHuggingFaceToken() throws {
        let restore = tokenEnvironment(["HF_TOKEN": "hf_abc"])
        defer { restore() }
        let server = RecordingWebSocketServer()
        let session = try EnvironmentLauncher.open("owner/space", options: LaunchOptions(json: ["base_url": .string(server.url)]))
        session.close()
        #expect(server.requestHead.hasPrefix("GET /ws HTTP/1.1"))
        #expect(!server.requestHead.lowercased().contains("authorization"), "\(server.requestHead)")
        #expect { try LaunchOptions(json: ["hub_space": true]) } throws: { "\($0)".contains("unknown option 'hub_space'") }
        let explicit = RecordingWebSocketServer()
        try EnvironmentLauncher.open("owner/space", options: LaunchOptions(json: ["base_url": .string(explicit.url), "bearer_token": "t"])).close()
        #expect(explicit.requestHead.contains("\r\nAuthorization: Bearer t"))
    }

    @Test func gitSendsTheTokenToTheHubEndpointOnly() {
        let environment = HubInstaller.gitEnvironment(token: "hf_abc", endpoint: "https://hub.example/", base: ["PATH": "/bin", "GIT_CONFIG_COUNT": "1"])
        #expect(environment["GIT_CONFIG_COUNT"] == "2")
        #expect(environment["GIT_CONFIG_KEY_1"] == "http.https://hub.example/.extraHeader")
        #expect(environment["GIT_CONFIG_VALUE_1"] == "Authorization: Bearer hf_abc")
        #expect(environment["PATH"] == "/bin")
        #expect(HubInstaller.gitEnvironment(token: nil, endpoint: "https://hub.example", base: ["PATH": "/bin"]) == ["PATH": "/bin"])
    }
}
