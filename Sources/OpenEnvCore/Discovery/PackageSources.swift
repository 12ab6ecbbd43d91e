/// The Python sources of one import package that name its classes, read without running them.
struct PackageSources {
    /// Top-level classes in `client.py`.
    var clientClasses: [PythonClassDeclaration] = []
    /// Top-level classes in `models.py`.
    var modelClasses: [PythonClassDeclaration] = []
    /// Names `__init__.py` imports from its own submodules (`client` -> [`ParrotEnv`]).
    var initImports: [String: [String]] = [:]
    var hasClientModule = false
    var hasModelsModule = false
    /// The files read, for change detection.
    var filesRead: [String] = []
    var warnings: [DiscoveryWarning] = []

    /// Base classes that make a class an OpenEnv client.
    static let clientBaseNames: Set<String> = ["EnvClient", "HTTPEnvClient", "MCPToolClient", "MCPClientBase", "GenericEnvClient"]

    init(packagePath: String) {
        if let source = read(FileSystem.join(packagePath, "client.py")) {
            hasClientModule = true
            clientClasses = PythonClassScanner.classes(in: source)
        }
        if let source = read(FileSystem.join(packagePath, "models.py")) {
            hasModelsModule = true
            modelClasses = PythonClassScanner.classes(in: source)
        }
        if let source = read(FileSystem.join(packagePath, "__init__.py")) {
            initImports = PythonClassScanner.relativeImports(in: source)
        }
    }

    private mutating func read(_ path: String) -> String? {
        filesRead.append(path)
        return warnings.readText(path, consequence: "class names fall back to conventions")
    }

    /// Classes of `classes` that derive, directly or through another class of the same file,
    /// from one of `baseNames`.
    static func subclasses(in classes: [PythonClassDeclaration], of baseNames: Set<String>) -> [PythonClassDeclaration] {
        var known = baseNames
        var found: [PythonClassDeclaration] = []
        var changed = true
        while changed {
            changed = false
            for declaration in classes where !known.contains(declaration.name) {
                if declaration.baseNames.contains(where: known.contains) {
                    known.insert(declaration.name)
                    found.append(declaration)
                    changed = true
                }
            }
        }
        return classes.filter { declaration in found.contains { $0.name == declaration.name } }
    }

    /// The OpenEnv client classes of `client.py`.
    var clientCandidates: [PythonClassDeclaration] {
        Self.subclasses(in: clientClasses, of: Self.clientBaseNames)
    }

    /// Whether the sources show an OpenEnv client.
    var declaresClient: Bool { !clientCandidates.isEmpty }

    /// Whether the `client.py` in `packagePath` so much as mentions an OpenEnv client base: a
    /// byte search that rules out most unrelated packages before any parsing.
    static func clientModuleMentionsOpenEnv(in packagePath: String) -> Bool {
        guard let bytes = try? FileSystem.read(FileSystem.join(packagePath, "client.py")) else { return false }
        return ["EnvClient", "MCPToolClient", "MCPClientBase"].contains { bytes.contains(subsequence: Array($0.utf8)) }
    }

    /// Names of `models.py` classes deriving from `base` (`Action`, `Observation`, `State`).
    func modelNames(derivingFrom base: String) -> [String] {
        Self.subclasses(in: modelClasses, of: [base]).map(\.name)
    }

    /// Names `__init__.py` imports from `client` or `models` that end with `suffix`.
    func exportedNames(endingWith suffix: String) -> [String] {
        ["client", "models"].flatMap { initImports[$0] ?? [] }.filter { $0.hasSuffix(suffix) && $0 != suffix }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard let first = needle.first, count >= needle.count else { return false }
        return withUnsafeBufferPointer { haystack in
            var index = 0
            let last = haystack.count - needle.count
            while index <= last {
                if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
                index += 1
            }
            return false
        }
    }
}

extension Array where Element == String {
    /// The conventional name when present, else the first element.
    func preferring(_ conventional: String) -> String? {
        contains(conventional) ? conventional : first
    }
}
