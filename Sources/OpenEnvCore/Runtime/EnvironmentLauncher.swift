/// `from_env` and `from_hub`: from a name to an open session, starting the server when needed.
///
/// - An explicit `base_url` always wins: the session connects there.
/// - An installed environment runs as a local server process (no Docker needed), shared with
///   this process's other sessions of it where the server accepts more than one (see
///   `SharedServerPool`); or in Docker when `docker_image` or `runtime: "docker"` asks for it
///   (default image `<name>-env:latest`).
/// - A Hub name (`owner/space`) runs an explicit `docker_image`; else it connects to the running
///   Space, `https://owner-space.hf.space`, when its `/health` answers; otherwise it runs the
///   Space's image `registry.hf.space/owner-space:latest` in Docker. `HF_HUB_OFFLINE=1`
///   forbids the look-up.
public enum EnvironmentLauncher {
    /// Opens a session with environment `name` (any spelling, or a Hub name).
    public static func open(_ name: String, options: LaunchOptions) throws -> EnvSession {
        try open(plan(name, options: options), options: options, session: options.session)
    }

    /// Opens a session with the Hugging Face Space `name` (`owner/space` or its URL).
    public static func openHub(_ name: String, options: LaunchOptions) throws -> EnvSession {
        try open(planHub(HubRepository(name), options: options), options: options, session: options.session)
    }

    /// Where the server of environment `name` comes from. Looks the Space of a Hub name up
    /// (its `/health`); starts nothing.
    public static func plan(_ name: String, options: LaunchOptions) throws -> LaunchPlan {
        if HubRepository.looksLikeHubName(name) { return try planHub(HubRepository(name), options: options) }
        if let baseURL = options.baseURL { return .connect(baseURL: baseURL) }
        // An explicit image needs no installed package (the reference's skip_install).
        if let image = options.dockerImage { return .container(image: image) }
        let info = try options.discovery.discovery.environment(named: name)
        return options.useDocker ? .container(image: options.dockerImage ?? info.defaultImage) : .localProcess(info)
    }

    /// A Hub name's plan: `base_url`, else an explicit `docker_image`, else the running Space,
    /// else the Space's image.
    static func planHub(_ repository: HubRepository, options: LaunchOptions) throws -> LaunchPlan {
        if let baseURL = options.baseURL { return .connect(baseURL: baseURL) }
        if let image = options.dockerImage { return .container(image: image) }
        try refuseIfOffline(repository)
        if (try? options.session.getJSON("/health", from: ServerAddress(repository.spaceURL), timeout: min(options.waitTimeout, 10))) != nil {
            return .connect(baseURL: repository.spaceURL)
        }
        return .container(image: repository.dockerImage)
    }

    private static func open(_ plan: LaunchPlan, options: LaunchOptions, session: SessionOptions) throws -> EnvSession {
        switch plan {
        case .connect(let baseURL):
            return try EnvSession(baseURL: baseURL, options: session)
        case .container(let image):
            let container = try DockerContainer(
                image: image, environmentVariables: options.environmentVariables, waitTimeout: options.waitTimeout, engine: options.containerEngine)
            return try EnvSession(baseURL: container.baseURL, options: session, runtime: container)
        case .localProcess(let info):
            return try SharedServerPool.shared.openSession(environment: info, options: options)
        }
    }

    /// The `/schema` of `target`: a base URL, a Hub name (its running Space), or an installed
    /// environment (a server of it this process runs, else one started for the question).
    public static func schema(of target: String, options: LaunchOptions) throws -> JSONValue {
        try answer(to: "/schema", of: target, options: options)
    }

    /// The `/health` of `target`, found as for ``schema(of:options:)``: what the reference asks a
    /// server it is given before it hands out a client.
    public static func health(of target: String, options: LaunchOptions) throws -> JSONValue {
        try answer(to: "/health", of: target, options: options)
    }

    /// The JSON answer of `target`'s HTTP `route`, asked through the session options' HTTP client
    /// (URL checks, certificates, authorization, size limit).
    private static func answer(to route: String, of target: String, options: LaunchOptions) throws -> JSONValue {
        let url: String
        var started: (any ServerRuntime)?
        if let baseURL = options.baseURL {
            url = baseURL
        } else if target.contains("://") {
            url = target
        } else if HubRepository.looksLikeHubName(target) {
            let repository = try HubRepository(target)
            try refuseIfOffline(repository)
            url = repository.spaceURL
        } else {
            let info = try options.discovery.discovery.environment(named: target)
            if let running = SharedServerPool.shared.runningServer(for: info, options: options) {
                return try answer(to: route, of: running, options: options)
            }
            let runtime = try LocalServerProcess(
                environment: info, python: options.python, environmentVariables: options.environmentVariables, waitTimeout: options.waitTimeout)
            started = runtime
            url = runtime.baseURL
        }
        defer { started?.stop() }
        return try options.session.getJSON(route, from: ServerAddress(url))
    }

    /// Throws when `HF_HUB_OFFLINE` forbids looking the Space up.
    static func refuseIfOffline(_ repository: HubRepository) throws(RuntimeError) {
        if HubRepository.isOffline {
            throw .invalidOption("HF_HUB_OFFLINE is set, so the Space \(repository) cannot be looked up; pass base_url (a server you run) or docker_image")
        }
    }
}
