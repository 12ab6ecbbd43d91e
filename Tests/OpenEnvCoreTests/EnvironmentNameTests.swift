import Testing

@testable import OpenEnvCore

@Suite struct EnvironmentNameTests {
    @Test(arguments: [
        ("parrot", "parrot"), ("parrot-env", "parrot"), ("parrot_env", "parrot"), ("Parrot-Env", "parrot"),
        (" parrot_env ", "parrot"), ("grid.world-env", "grid_world"), ("my_environment_env", "my_environment"),
        ("environment", "environment"), ("_env", "_env"), ("coding", "coding"),
    ])
    func foldsEverySpellingToOneKey(_ spelling: String, _ key: String) {
        #expect(EnvironmentName.key(for: spelling) == key)
    }

    @Test func derivesTheConventionalNames() {
        #expect(EnvironmentName.fullName(forKey: "grid_world") == "grid_world_env")
        #expect(EnvironmentName.conventionalClientClass(forKey: "grid_world") == "GridWorldEnv")
        #expect(EnvironmentName.conventionalActionClass(forKey: "parrot") == "ParrotAction")
        #expect(EnvironmentName.conventionalObservationClass(forKey: "parrot") == "ParrotObservation")
        #expect(EnvironmentName.defaultImage(forFullName: "grid_world_env") == "grid-world-env:latest")
    }

    @Test(arguments: [
        ("openenv-parrot_env", "openenv_parrot_env"), ("OpenEnv-Echo.Env", "openenv_echo_env"), ("a--b__c..d", "a_b_c_d"),
    ])
    func normalizesDistributionNames(_ name: String, _ normal: String) {
        #expect(EnvironmentName.normalizedDistribution(name) == normal)
    }
}
