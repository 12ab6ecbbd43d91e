/// The examination of one installed distribution: is it an environment, and what does it say
/// about itself. Independent of every other distribution, so many run in parallel.
struct DistributionExamination: Sendable {
    /// What the examination found.
    struct Outcome: Sendable {
        /// The distribution's name in normal form, to keep the first of a name on the path.
        var normalizedName: String
        var environment: EnvironmentInfo?
        var warnings: [DiscoveryWarning]
        /// Files outside the search path the result depends on (editable sources).
        var watchedPaths: [String]
    }

    let metadataPath: String
    let searchPath: String
    let editables: EditableInstalls
    private var warnings: [DiscoveryWarning] = []
    private var watched: [String] = []

    init(metadataPath: String, searchPath: String, editables: EditableInstalls) {
        self.metadataPath = metadataPath
        self.searchPath = searchPath
        self.editables = editables
    }

    /// Reads the distribution's files and decides.
    func examine() -> Outcome {
        var examination = self
        let distribution = InstalledDistribution(metadataPath: metadataPath, searchPath: searchPath)
        let isFramework = EnvironmentScanner.frameworkDistributions.contains(distribution.normalizedName)
        let info = isFramework ? nil : examination.environment(of: distribution)
        var warnings = examination.warnings
        if info != nil || (!isFramework && distribution.normalizedName.hasPrefix("openenv_")) {
            warnings = distribution.warnings + warnings
        } else {
            warnings = []
        }
        return Outcome(normalizedName: distribution.normalizedName, environment: info,
                       warnings: warnings, watchedPaths: examination.watched)
    }

    /// The environment the distribution provides, or nil when it is not an environment.
    private mutating func environment(of distribution: InstalledDistribution) -> EnvironmentInfo? {
        let prefixed = distribution.normalizedName.hasPrefix("openenv_")
        let baseName = prefixed ? String(distribution.normalizedName.dropFirst("openenv_".count)) : distribution.normalizedName

        // Where the import package is. top_level.txt and the distribution's own name settle
        // it for almost every package; the server entry point and RECORD (which can be large)
        // are read only when they do not lead to a client.
        let topLevel = distribution.topLevelModules
        let conventional = [baseName, EnvironmentName.key(for: baseName) + "_env"]
        var tried: [String] = []
        var located: [(module: String, path: String, hasClient: Bool)] = []
        func locate(_ names: [String]) {
            for module in names where !module.hasPrefix("_") && !module.isEmpty && !tried.contains(module) {
                tried.append(module)
                if let (path, hasClient) = packageFolder(for: module, distribution: distribution) {
                    located.append((module, path, hasClient))
                }
            }
        }
        locate(topLevel + conventional)
        if !located.contains(where: \.hasClient) {
            locate(distribution.serverEntryPointModule.map { [$0] } ?? [])
            if prefixed || (topLevel.isEmpty && located.isEmpty) {
                let record = distribution.recordEntries
                locate(record.packages + record.finders.flatMap { finder in
                    EditableInstalls(searchPath: distribution.searchPath, names: [finder]).mapping.keys.sorted()
                })
            }
        }
        guard let (importName, packagePath, _) = located.first(where: \.hasClient) ?? located.first else {
            if prefixed {
                warnings.append(DiscoveryWarning(
                    path: distribution.metadataPath,
                    message: "\(distribution.name) looks like an environment, but none of its import packages (\(tried.joined(separator: ", "))) was found on the search path; skipped. Reinstall it: pip install --force-reinstall \(distribution.name)"))
            }
            return nil
        }

        // A package outside its search path is an editable install; its direct_url.json names
        // the source folder, where openenv.yaml may sit beside the package.
        let isEditable = !packagePath.hasPrefix(distribution.searchPath + "/")
        let sourceRoot = isEditable ? distribution.editableSourceRoot : nil
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

        if isEditable {
            watched.append(packagePath)
            watched.append(contentsOf: sources.filesRead)
            watched.append(contentsOf: manifestCandidates)
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

    /// Where Python would import `module` from for this distribution, and whether that
    /// folder holds a `client.py`. The source folder of an editable install (from
    /// `direct_url.json`) is consulted only when the import system's own places fail.
    private func packageFolder(for module: String, distribution: InstalledDistribution) -> (path: String, hasClient: Bool)? {
        var places: [String] = []
        if let mapped = editables.mapping[module] { places.append(mapped) }
        places.append(FileSystem.join(distribution.searchPath, module))
        places.append(contentsOf: editables.pathEntries.map { FileSystem.join($0, module) })
        if let found = firstPackage(in: places) { return found }
        guard let root = distribution.editableSourceRoot else { return nil }
        let rootIsPackage = root.split(separator: "/").last.map(String.init) == module
        return firstPackage(in: (rootIsPackage ? [root] : []) + [FileSystem.join(root, module), FileSystem.join(root, "src/" + module)])
    }

    /// The first folder holding a `client.py` (one stat for an environment) or an `__init__.py`.
    private func firstPackage(in places: [String]) -> (path: String, hasClient: Bool)? {
        for place in places {
            if FileSystem.isFile(FileSystem.join(place, "client.py")) { return (place, true) }
            if FileSystem.isFile(FileSystem.join(place, "__init__.py")) { return (place, false) }
        }
        return nil
    }

    private mutating func readManifest(_ path: String) -> EnvironmentManifest? {
        guard let text = warnings.readText(path, consequence: "the manifest is ignored") else { return nil }
        do {
            return try EnvironmentManifest(yaml: text)
        } catch {
            warnings.append(DiscoveryWarning(path: path, message: "invalid manifest (\(error)); it is ignored and conventions are used"))
            return nil
        }
    }
}
