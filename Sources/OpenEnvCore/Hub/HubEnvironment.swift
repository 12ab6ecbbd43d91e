/// The installed environment behind a name, installing a Hub Space's client code first when
/// it is not installed (with consent; see `HubInstaller`).
public enum HubEnvironment {
    /// The installed environment `name` (any spelling); for a Hub name, the environment whose
    /// key or distribution matches the Space, installed first if needed.
    /// - Parameters:
    ///   - python: the interpreter to install into (for the Python binding, `sys.executable`).
    public static func resolve(_ name: String, discovery: DiscoveryOptions, python: String, trustRemoteCode: Bool) throws -> EnvironmentInfo {
        let current = discovery.discovery
        guard HubRepository.looksLikeHubName(name) else { return try current.environment(named: name) }
        let repository = try HubRepository(name)
        if let installed = try? current.environment(named: repository.space) { return installed }
        if HubRepository.isOffline {
            throw RuntimeError.invalidOption(
                "HF_HUB_OFFLINE is set, so the client code of \(repository) cannot be installed; install its package yourself, or pass skip_install=True")
        }
        let installedNames = try HubInstaller(repository: repository, python: python)
            .install(trustRemoteCode: trustRemoteCode, searchPaths: current.searchPaths)
        let registry = discovery.discovery.registry()
        for distribution in installedNames {
            if let info = try? registry.environment(named: distribution) { return info }
        }
        throw HubInstallError.noEnvironmentInstalled(repository: repository.description, installed: installedNames)
    }
}
