/// Everything one scan of the search paths found.
public struct DiscoveryResult: Sendable, Equatable {
    /// The environments, sorted by key.
    public var environments: [EnvironmentInfo]
    /// Packages that were skipped or degraded, and why.
    public var warnings: [DiscoveryWarning]
}

/// Scans Python search paths for installed environment packages, reading files only.
///
/// A distribution is an environment when its name starts with `openenv-` (other than the
/// framework's own distributions), or when its import package ships an `openenv.yaml` or a
/// client class deriving from an OpenEnv client. The first distribution of a name on the
/// search path wins, as it would for Python's import.
struct EnvironmentScanner {
    /// Distributions named `openenv-*` that are the framework or its tools, not environments.
    static let frameworkDistributions: Set<String> = ["openenv", "openenv_core", "openenv_swift", "openenv_cli"]

    let searchPaths: [String]
    private(set) var environments: [EnvironmentInfo] = []
    private(set) var warnings: [DiscoveryWarning] = []
    /// Paths whose change could change the result: the search paths, `.pth` and finder files,
    /// and the sources of editable installs that live outside the search paths.
    private(set) var watchedPaths: [String] = []

    init(searchPaths: [String]) {
        self.searchPaths = searchPaths
    }

    /// Scans every search path in order.
    mutating func scan() -> DiscoveryResult {
        var seenDistributions: Set<String> = []
        var keyOwners: [String: String] = [:]
        for searchPath in searchPaths {
            watchedPaths.append(searchPath)
            guard let names = FileSystem.list(searchPath) else { continue }
            let metadataFolders = names.filter { $0.hasSuffix(".dist-info") || $0.hasSuffix(".egg-info") }.sorted()
            guard !metadataFolders.isEmpty else { continue }
            let editables = EditableInstalls(searchPath: searchPath, names: names)
            watchedPaths.append(contentsOf: editables.filesRead)
            warnings.append(contentsOf: editables.warnings)
            for folder in metadataFolders {
                let distribution = InstalledDistribution(
                    metadataPath: FileSystem.join(searchPath, folder), searchPath: searchPath)
                guard seenDistributions.insert(distribution.normalizedName).inserted else { continue }
                guard !Self.frameworkDistributions.contains(distribution.normalizedName) else { continue }
                let info = environment(of: distribution, editables: editables)
                if info != nil || distribution.normalizedName.hasPrefix("openenv_") {
                    warnings.append(contentsOf: distribution.warnings)
                }
                guard let info else { continue }
                if let owner = keyOwners[info.envKey] {
                    warnings.append(DiscoveryWarning(
                        path: info.distInfoPath,
                        message: "environment '\(info.envKey)' is also provided by \(owner), found earlier on the search path; this one is ignored"))
                    continue
                }
                keyOwners[info.envKey] = info.package
                environments.append(info)
            }
        }
        environments.sort { $0.envKey < $1.envKey }
        return DiscoveryResult(environments: environments, warnings: warnings)
    }

    /// The environment a distribution provides, or nil when it is not an environment.
    private mutating func environment(of distribution: InstalledDistribution, editables: EditableInstalls) -> EnvironmentInfo? {
        let prefixed = distribution.normalizedName.hasPrefix("openenv_")
        let baseName = prefixed ? String(distribution.normalizedName.dropFirst("openenv_".count)) : distribution.normalizedName
        let sourceRoot = distribution.editableSourceRoot

        // Where the import package is: top_level.txt and the server entry point are small
        // files; RECORD can be large, so other distributions read it only when those and the
        // distribution's own name lead nowhere.
        var candidates = distribution.topLevelModules
        if let module = distribution.serverEntryPointModule { candidates.append(module) }
        let conventional = [baseName, EnvironmentName.key(for: baseName) + "_env"]
        func recordCandidates() -> [String] {
            let record = distribution.recordEntries
            return record.packages + record.finders.flatMap { finder in
                EditableInstalls(searchPath: distribution.searchPath, names: [finder]).mapping.keys.sorted()
            }
        }
        func locate(_ names: [String]) -> [(String, String)] {
            names.filter { !$0.hasPrefix("_") && !$0.isEmpty }.uniqued().compactMap { module in
                packageFolder(for: module, distribution: distribution, editables: editables, sourceRoot: sourceRoot).map { (module, $0) }
            }
        }
        if prefixed { candidates += recordCandidates() }
        var located = locate(candidates + conventional)
        if located.isEmpty && !prefixed && candidates.isEmpty {
            candidates = recordCandidates()
            located = locate(candidates)
        }
        candidates = (candidates + conventional).uniqued()
        let withClient = located.first { FileSystem.isFile(FileSystem.join($0.1, "client.py")) }
        guard let (importName, packagePath) = withClient ?? located.first else {
            if prefixed {
                warnings.append(DiscoveryWarning(
                    path: distribution.metadataPath,
                    message: "\(distribution.name) looks like an environment, but none of its import packages (\(candidates.joined(separator: ", "))) was found on the search path; skipped. Reinstall it: pip install --force-reinstall \(distribution.name)"))
            }
            return nil
        }

        let manifestCandidates = [FileSystem.join(packagePath, "openenv.yaml")] + (sourceRoot.map { [FileSystem.join($0, "openenv.yaml")] } ?? [])
        var manifest: EnvironmentManifest?
        var manifestPath: String?
        for path in manifestCandidates.uniqued() where FileSystem.isFile(path) {
            if let parsed = readManifest(path) {
                manifest = parsed
                manifestPath = path
            }
            break
        }
        // Most distributions on a path are not environments: only open the sources of those
        // that could be one.
        guard prefixed || manifestPath != nil || PackageSources.clientModuleMentionsOpenEnv(in: packagePath) else { return nil }
        let sources = PackageSources(packagePath: packagePath)
        guard prefixed || manifestPath != nil || sources.declaresClient else { return nil }
        warnings.append(contentsOf: sources.warnings)

        let isEditable = sourceRoot != nil || !packagePath.hasPrefix(distribution.searchPath + "/")
        if isEditable {
            watchedPaths.append(packagePath)
            watchedPaths.append(contentsOf: sources.filesRead)
            watchedPaths.append(contentsOf: manifestCandidates)
        }

        let key = EnvironmentName.key(for: manifest?.name ?? baseName)
        let fullName = EnvironmentName.fullName(forKey: key)
        let client = sources.clientCandidates
        let clientName = client.map(\.name).preferring(EnvironmentName.conventionalClientClass(forKey: key))
        let generics = client.first { $0.name == clientName }.map { declaration in
            PackageSources.clientBaseNames.lazy.map { declaration.genericArguments(ofBaseNamed: $0) }.first { !$0.isEmpty } ?? []
        } ?? []
        func generic(_ position: Int) -> String? {
            guard generics.count > position else { return nil }
            let name = generics[position]
            return name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && name.first?.isUppercase == true ? name : nil
        }
        let actionConvention = EnvironmentName.conventionalActionClass(forKey: key)
        let observationConvention = EnvironmentName.conventionalObservationClass(forKey: key)

        let envClass = clientName
            ?? sources.exportedNames(endingWith: "Env").preferring(EnvironmentName.conventionalClientClass(forKey: key))
            ?? EnvironmentName.conventionalClientClass(forKey: key)
        let actionClass = manifest?.action ?? generic(0)
            ?? sources.modelNames(derivingFrom: "Action").preferring(actionConvention)
            ?? sources.exportedNames(endingWith: "Action").preferring(actionConvention)
            ?? actionConvention
        let observationClass = manifest?.observation ?? generic(1)
            ?? sources.modelNames(derivingFrom: "Observation").preferring(observationConvention)
            ?? sources.exportedNames(endingWith: "Observation").preferring(observationConvention)
            ?? observationConvention
        let stateClass = generic(2) ?? sources.modelNames(derivingFrom: "State").first

        let module = sources.hasClientModule ? importName + ".client" : importName
        return EnvironmentInfo(
            envKey: key, name: fullName, package: distribution.name, version: distribution.version,
            description: manifest?.description ?? distribution.summary ?? "\(fullName) environment",
            envClass: envClass, actionClass: actionClass, observationClass: observationClass, stateClass: stateClass,
            module: module, modelsModule: sources.hasModelsModule ? importName + ".models" : module,
            importName: importName, defaultImage: EnvironmentName.defaultImage(forFullName: fullName),
            specVersion: manifest?.specVersion, app: manifest?.app, port: manifest?.port, manifest: manifest?.raw,
            manifestPath: manifestPath, packagePath: packagePath, distInfoPath: distribution.metadataPath,
            searchPath: distribution.searchPath, editable: isEditable)
    }

    /// Where Python would import `module` from for this distribution.
    private func packageFolder(
        for module: String, distribution: InstalledDistribution, editables: EditableInstalls, sourceRoot: String?
    ) -> String? {
        var places: [String] = []
        if let mapped = editables.mapping[module] { places.append(mapped) }
        places.append(FileSystem.join(distribution.searchPath, module))
        places.append(contentsOf: editables.pathEntries.map { FileSystem.join($0, module) })
        if let root = sourceRoot {
            if root.split(separator: "/").last.map(String.init) == module { places.append(root) }
            places.append(FileSystem.join(root, module))
            places.append(FileSystem.join(root, "src/" + module))
        }
        return places.first { FileSystem.isFile(FileSystem.join($0, "__init__.py")) || FileSystem.isFile(FileSystem.join($0, "client.py")) }
    }

    private mutating func readManifest(_ path: String) -> EnvironmentManifest? {
        var lossy = false
        do {
            let text = try FileSystem.readText(path, lossy: &lossy)
            if lossy { warnings.append(DiscoveryWarning(path: path, message: "not valid UTF-8; invalid bytes were replaced")) }
            return try EnvironmentManifest(yaml: text)
        } catch let error as FileSystem.ReadError {
            warnings.append(DiscoveryWarning(path: path, message: "\(error.reason); the manifest is ignored"))
        } catch {
            warnings.append(DiscoveryWarning(path: path, message: "invalid manifest (\(error)); it is ignored and conventions are used"))
        }
        return nil
    }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
