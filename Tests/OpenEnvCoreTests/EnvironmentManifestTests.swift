import Testing

@testable import OpenEnvCore

@Suite struct EnvironmentManifestTests {
    @Test func readsEveryKnownKey() throws {
        let manifest = try EnvironmentManifest(yaml: """
            spec_version: 1
            name: coding_env
            version: "0.1.0"
            description: "Coding environment for OpenEnv"
            type: space
            runtime: fastapi
            app: server.app:app
            port: 8000
            action: CodeAction
            observation: CodeObservation
            extra:
              - 1
              - two
            """)
        #expect(manifest.name == "coding_env")
        #expect(manifest.specVersion == 1)
        #expect(manifest.version == "0.1.0")
        #expect(manifest.description == "Coding environment for OpenEnv")
        #expect(manifest.type == "space")
        #expect(manifest.runtime == "fastapi")
        #expect(manifest.app == "server.app:app")
        #expect(manifest.port == 8000)
        #expect(manifest.action == "CodeAction")
        #expect(manifest.observation == "CodeObservation")
        #expect(manifest.raw["port"] == .integer(8000))
        #expect(manifest.raw["version"] == .string("0.1.0"))
        #expect(manifest.raw["extra"] == [1, "two"])
    }

    @Test(arguments: ["name: [unclosed", "- just\n- a list", "", "plain scalar"])
    func refusesWhatIsNotAMapping(_ text: String) {
        #expect(throws: EnvironmentManifest.Invalid.self) { try EnvironmentManifest(yaml: text) }
    }
}
