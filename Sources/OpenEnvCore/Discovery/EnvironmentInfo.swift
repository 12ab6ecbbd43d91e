/// Everything discovery knows about one installed environment package.
public struct EnvironmentInfo: Sendable, Equatable {
    /// The look-up key (`parrot`).
    public var envKey: String
    /// The full environment name (`parrot_env`).
    public var name: String
    /// The distribution name as its metadata spells it (`openenv-parrot_env`).
    public var package: String
    /// The distribution's version.
    public var version: String
    /// The manifest's description, else the distribution's summary, else `<name> environment`.
    public var description: String
    /// The client class (`ParrotEnv`).
    public var envClass: String
    /// The action class (`ParrotAction`).
    public var actionClass: String
    /// The observation class (`ParrotObservation`).
    public var observationClass: String
    /// The state class when the client names one (`State`), else nil.
    public var stateClass: String?
    /// The module the client class is imported from (`parrot_env.client`).
    public var module: String
    /// The module that defines the action and observation classes (`parrot_env.models`), or
    /// `module` when nothing better is known.
    public var modelsModule: String
    /// The top-level import package (`parrot_env`).
    public var importName: String
    /// The conventional Docker image (`parrot-env:latest`).
    public var defaultImage: String
    /// The manifest's `spec_version`, if any.
    public var specVersion: Int?
    /// The manifest's ASGI app path relative to the package (`server.app:app`), if any.
    public var app: String?
    /// The manifest's port, if any.
    public var port: Int?
    /// The whole manifest as JSON, if one was found.
    public var manifest: JSONValue?
    /// Where the manifest was read from, if one was found.
    public var manifestPath: String?
    /// The folder of the import package.
    public var packagePath: String
    /// The distribution's `.dist-info` or `.egg-info` folder.
    public var distInfoPath: String
    /// The search path entry the distribution was found in.
    public var searchPath: String
    /// Whether the distribution is an editable (`pip install -e`) install.
    public var editable: Bool
}

extension EnvironmentInfo {
    /// The reference's `AutoEnv.get_env_info` dictionary: `env_key`, `name`, `package`,
    /// `version`, `description`, `env_class`, `action_class`, `observation_class`, `module`,
    /// `default_image`, `spec_version`.
    public var referenceInfo: JSONValue {
        [
            "env_key": .string(envKey), "name": .string(name), "package": .string(package),
            "version": .string(version), "description": .string(description), "env_class": .string(envClass),
            "action_class": .string(actionClass), "observation_class": .string(observationClass),
            "module": .string(module), "default_image": .string(defaultImage),
            "spec_version": specVersion.map { .integer(Int64($0)) } ?? .null,
        ]
    }

    /// The reference's `AutoAction.get_action_info` dictionary: `env_key`, `env_name`,
    /// `package`, `action_class`, `observation_class`, `module`.
    public var actionInfo: JSONValue {
        [
            "env_key": .string(envKey), "env_name": .string(name), "package": .string(package),
            "action_class": .string(actionClass), "observation_class": .string(observationClass),
            "module": .string(module),
        ]
    }

    /// Every field, as a JSON object with snake_case keys: the reference's keys plus
    /// `state_class`, `models_module`, `import_name`, `app`, `port`, `manifest`,
    /// `manifest_path`, `package_path`, `dist_info_path`, `search_path`, `editable`.
    public var json: JSONValue {
        guard case .object(var object) = referenceInfo else { return referenceInfo }
        object["state_class"] = JSONValue(stateClass)
        object["models_module"] = .string(modelsModule)
        object["import_name"] = .string(importName)
        object["app"] = JSONValue(app)
        object["port"] = port.map { .integer(Int64($0)) } ?? .null
        object["manifest"] = manifest ?? .null
        object["manifest_path"] = JSONValue(manifestPath)
        object["package_path"] = .string(packagePath)
        object["dist_info_path"] = .string(distInfoPath)
        object["search_path"] = .string(searchPath)
        object["editable"] = .bool(editable)
        return .object(object)
    }

    /// Reads the form written by ``json``; nil when a required field is missing. Reads each
    /// member once: the disk cache holds hundreds of these.
    public init?(json: JSONValue) {
        guard let object = json.objectValue else { return nil }
        var strings: [String: String] = [:]
        var specVersion: Int?, port: Int?, manifest: JSONValue?, editable: Bool?
        for (key, value) in object.members {
            switch (key, value) {
            case (_, .string(let text)): strings[key] = text
            case ("spec_version", .integer(let number)): specVersion = Int(number)
            case ("port", .integer(let number)): port = Int(number)
            case ("manifest", .object): manifest = value
            case ("editable", .bool(let flag)): editable = flag
            default: break
            }
        }
        guard let envKey = strings["env_key"], let name = strings["name"], let package = strings["package"],
            let version = strings["version"], let description = strings["description"],
            let envClass = strings["env_class"], let actionClass = strings["action_class"],
            let observationClass = strings["observation_class"], let module = strings["module"],
            let modelsModule = strings["models_module"], let importName = strings["import_name"],
            let defaultImage = strings["default_image"], let packagePath = strings["package_path"],
            let distInfoPath = strings["dist_info_path"], let searchPath = strings["search_path"], let editable
        else { return nil }
        self.init(
            envKey: envKey, name: name, package: package, version: version, description: description,
            envClass: envClass, actionClass: actionClass, observationClass: observationClass,
            stateClass: strings["state_class"], module: module, modelsModule: modelsModule, importName: importName,
            defaultImage: defaultImage, specVersion: specVersion, app: strings["app"], port: port,
            manifest: manifest, manifestPath: strings["manifest_path"], packagePath: packagePath,
            distInfoPath: distInfoPath, searchPath: searchPath, editable: editable)
    }
}
