import Testing

@testable import OpenEnvCore

@Suite struct EnvironmentRegistryTests {
    let fixture = SitePackagesFixture()

    func registry() -> EnvironmentRegistry {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.installTemplatePackage(distribution: "openenv-coding_env", module: "coding_env", className: "Coding")
        return Discovery(searchPaths: [fixture.root + "/site"], usesCache: false).registry()
    }

    @Test(arguments: ["parrot", "parrot-env", "parrot_env", "Parrot-Env", "PARROT", " parrot ", "openenv-parrot_env", "openenv-parrot-env", "parrot_env"])
    func findsEverySpelling(_ spelling: String) throws {
        #expect(try registry().environment(named: spelling).envKey == "parrot")
    }

    @Test func unknownNamesListTheAvailableAndSuggest() {
        let registry = registry()
        #expect(throws: DiscoveryError.unknownEnvironment(name: "parot", suggestions: ["parrot"], available: ["coding", "parrot"])) {
            try registry.environment(named: "parot")
        }
        #expect(throws: DiscoveryError.unknownEnvironment(name: "cod", suggestions: ["coding"], available: ["coding", "parrot"])) {
            try registry.environment(named: "cod")
        }
        #expect(throws: DiscoveryError.unknownEnvironment(name: "zzz", suggestions: [], available: ["coding", "parrot"])) {
            try registry.environment(named: "zzz")
        }
        let message = DiscoveryError.unknownEnvironment(name: "parot", suggestions: ["parrot"], available: ["coding", "parrot"]).description
        #expect(message.contains("Did you mean: parrot?"))
        #expect(message.contains("Available environments: coding, parrot."))
    }

    @Test func emptyAndOverlongNamesAreInvalid() {
        let registry = registry()
        #expect(throws: DiscoveryError.invalidName(name: "  ", reason: "the name is empty")) { try registry.environment(named: "  ") }
        #expect(throws: DiscoveryError.self) { try registry.environment(named: String(repeating: "a", count: 300)) }
    }

    @Test func noEnvironmentsSaysHowToInstallOne() {
        let empty = EnvironmentRegistry(DiscoveryResult(environments: [], warnings: []))
        do {
            _ = try empty.environment(named: "parrot")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("No OpenEnv environments found"))  // the reference's phrase
            #expect(error.description.contains("pip install openenv-<name>"))
        }
    }

    @Test func listingsFollowTheReferenceLayout() {
        let result = Discovery(searchPaths: [fixture.root + "/none"], usesCache: false).discover()
        #expect(EnvironmentListing.environments.text(for: result).contains("No OpenEnv environments found."))
        let full = registry()
        let text = EnvironmentListing.actions.text(for: DiscoveryResult(environments: full.environments, warnings: []))
        #expect(text.contains("  parrot         : ParrotAction\n                   Package: openenv-parrot_env"))
        #expect(text.hasSuffix("Total: 2 action classes"))
    }
}
