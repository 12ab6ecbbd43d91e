/// The installed environment behind a Hub name, installing the Space's client code first when
/// it is not installed (with consent; see `HubInstaller`).
public enum HubEnvironment {
    /// The environment whose key or distribution matches the Space, installed if needed.
    /// - Parameters:
    ///   - python: the interpreter to install into (for the Python binding, `sys.executable`).
    public static func resolve(_ name: String, discovery: DiscoveryOptions, python: String, trustRemoteCode: Bool) throws -> EnvironmentInfo {
        let repository = try HubRepository(name)
        let current = discovery.discovery
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
