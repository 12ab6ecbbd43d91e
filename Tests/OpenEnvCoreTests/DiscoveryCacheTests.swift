import Foundation
import Testing

@testable import OpenEnvCore

/// The persistent cache must never answer with a stale result.
@Suite struct DiscoveryCacheTests {
    let fixture = SitePackagesFixture()
    var site: String { fixture.root + "/site" }
    var cacheDirectory: String { fixture.root + "/cache" }

    func discovery() -> Discovery {
        Discovery(searchPaths: [site], cacheDirectory: cacheDirectory)
    }

    /// Forgets what this process remembers, as a new process would.
    func freshProcess() {
        DiscoveryMemo.shared.forgetAll()
    }

    @Test func anEnvironmentInstalledAfterACachedDiscoveryIsSeen() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        #expect(discovery().discover().environments.map(\.envKey) == ["parrot"])
        fixture.installTemplatePackage(distribution: "openenv-coding_env", module: "coding_env", className: "Coding")
        #expect(discovery().discover().environments.map(\.envKey) == ["coding", "parrot"])
        freshProcess()
        #expect(discovery().discover().environments.map(\.envKey) == ["coding", "parrot"])
    }

    @Test func anEnvironmentRemovedAfterACachedDiscoveryIsGone() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.installTemplatePackage(distribution: "openenv-coding_env", module: "coding_env", className: "Coding")
        #expect(discovery().discover().environments.count == 2)
        fixture.remove("site/openenv_coding_env-0.1.0.dist-info")
        freshProcess()
        #expect(discovery().discover().environments.map(\.envKey) == ["parrot"])
    }

    @Test func aCachedResultIsReusedAcrossProcesses() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        let first = discovery().discover()
        let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: cacheDirectory)
        #expect(cacheFiles == [URL(fileURLWithPath: DiscoveryCache(directory: cacheDirectory).file(for: FileSystem.realPath(site)!)).lastPathComponent])
        freshProcess()
        // Change a file the scan read but the cache does not watch (a regular install's
        // client.py): a reused result still shows the old class, proving it came from disk.
        fixture.write("site/parrot_env/client.py", "class Renamed(EnvClient):\n    pass\n")
        #expect(discovery().discover() == first)
        // Without the cache the change is visible.
        #expect(Discovery(searchPaths: [site], usesCache: false).discover().environments[0].envClass == "Renamed")
    }

    @Test func editsToAnEditableSourceAreSeen() throws {
        let source = fixture.folder("src/grid_env")
        fixture.writeTemplateSources(in: "src/grid_env", className: "Grid")
        fixture.write("site/openenv_grid_env-0.1.0.dist-info/METADATA", "Name: openenv-grid_env\nVersion: 0.1.0\n")
        fixture.write("site/openenv_grid_env-0.1.0.dist-info/direct_url.json", "{\"url\": \"file://\(source)\", \"dir_info\": {\"editable\": true}}")
        fixture.write("site/__editable___openenv_grid_env_0_1_0_finder.py", "MAPPING: dict[str, str] = {'grid_env': '\(source)'}\n")
        #expect(discovery().discover().environments.first?.actionClass == "GridAction")
        fixture.write("src/grid_env/openenv.yaml", "name: grid\naction: MoveAction\n")
        freshProcess()
        #expect(discovery().discover().environments.first?.actionClass == "MoveAction")
    }

    @Test func aCorruptCacheFileIsIgnored() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        _ = discovery().discover()
        let file = DiscoveryCache(directory: cacheDirectory).file(for: FileSystem.realPath(site)!)
        let wrongPath = "{\"format\": 2, \"path\": \"/elsewhere\", \"watched\": [], \"distributions\": [], \"findings\": [], \"warnings\": []}"
        let badFinding = "{\"format\": 2, \"path\": \"\(FileSystem.realPath(site)!)\", \"watched\": [], \"distributions\": [\"x\"], \"findings\": [{\"distribution\": \"x\", \"environment\": {}, \"warnings\": []}], \"warnings\": []}"
        for garbage in ["{not json", wrongPath, badFinding, "", "[]"] {
            _ = FileManager.default.createFile(atPath: file, contents: Data(garbage.utf8))
            freshProcess()
            #expect(discovery().discover().environments.map(\.envKey) == ["parrot"])
        }
    }

    /// A cache folder that another user could change (theirs, a link they planted, or one
    /// their group may write) holding a planted entry that names another client class.
    @Test(arguments: ["another user's", "a symbolic link", "group-writable"])
    func aCacheFolderThatIsNotTheCallersOwnIsNeitherReadNorWritten(_ kind: String) throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        let genuine = fixture.root + "/genuine"
        _ = Discovery(searchPaths: [site], cacheDirectory: genuine).discover()
        let name = URL(fileURLWithPath: DiscoveryCache(directory: genuine).file(for: FileSystem.realPath(site)!)).lastPathComponent
        let entry = try String(contentsOfFile: genuine + "/" + name, encoding: .utf8)
        try #require(entry.contains("ParrotEnv"))
        let planted = fixture.folder("planted")
        try entry.replacingOccurrences(of: "ParrotEnv", with: "PlantedEnv").write(toFile: planted + "/" + name, atomically: false, encoding: .utf8)
        var hostile = planted
        var problem = ""
        switch kind {
        case "another user's":
            try #require(chown(planted, 65534, 65534) == 0, "the tests run as root, to plant a folder of user nobody")
            problem = "belongs to user 65534"
        case "a symbolic link":
            hostile = fixture.root + "/link"
            try #require(symlink(planted, hostile) == 0)
            problem = "is a symbolic link"
        default:
            try #require(chmod(planted, 0o775) == 0)
            problem = "can be written by other users (mode 775)"
        }
        freshProcess()
        let result = Discovery(searchPaths: [site], cacheDirectory: hostile).discover()
        #expect(result.environments.map(\.envClass) == ["ParrotEnv"])
        #expect(result.warnings.contains { $0.message.contains("the discovery cache is not used") && $0.message.contains(problem) }, "\(result.warnings)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: planted) == [name], "nothing written there")
    }

    @Test func aLinkPlantedWhereTheTemporaryFileWouldGoIsNeverFollowed() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        let victim = fixture.write("victim", "keep me")
        let file = DiscoveryCache(directory: cacheDirectory).file(for: FileSystem.realPath(site)!)
        fixture.folder("cache")
        // The names a temporary file had, and one it could have now (this process's id).
        for name in [file + ".\(getpid()).tmp", file + ".tmp"] { try #require(symlink(victim, name) == 0) }
        freshProcess()
        #expect(discovery().discover().environments.map(\.envKey) == ["parrot"])
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        #expect(PrivateFolder.createExclusively(file + ".tmp") == -1 && errno == EEXIST)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
    }

    @Test func eachFolderHasItsOwnCacheFile() {
        let cache = DiscoveryCache(directory: "/c")
        #expect(cache.file(for: "/venv-a/site-packages") != cache.file(for: "/venv-b/site-packages"))
        #expect(cache.file(for: "/venv-a/site-packages") == DiscoveryCache(directory: "/c").file(for: "/venv-a/site-packages"))
    }

    @Test func aChangeInOneFolderRescansOnlyThatFolder() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        let busy = fixture.folder("busy")
        let both = Discovery(searchPaths: [busy, site], cacheDirectory: cacheDirectory)
        #expect(both.discover().environments.map(\.envKey) == ["parrot"])
        // Edit a file the site scan read but does not watch: only a reused site scan still says ParrotEnv.
        fixture.write("site/parrot_env/client.py", "class Renamed(EnvClient):\n    pass\n")
        fixture.write("busy/unrelated.txt", "the working directory changes all the time")
        freshProcess()
        #expect(both.discover().environments.map(\.envClass) == ["ParrotEnv"])
    }

    @Test func aFolderEarlierOnThePathHidesALaterDistributionOfTheSameName() throws {
        fixture.installTemplatePackage(site: "later", distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.write("earlier/openenv_parrot_env-9.0.dist-info/METADATA", "Name: openenv-parrot_env\nVersion: 9.0\n")
        let discovery = Discovery(searchPaths: [fixture.root + "/earlier", fixture.root + "/later"], cacheDirectory: cacheDirectory)
        // The earlier copy has lost its code: it still hides the later one, as Python's import would.
        let result = discovery.discover()
        #expect(result.environments.isEmpty)
        #expect(result.warnings.count == 1)
        fixture.remove("earlier/openenv_parrot_env-9.0.dist-info")
        #expect(discovery.discover().environments.map(\.version) == ["0.1.0"])
    }

    @Test func anUnwritableCacheFolderOnlyCostsTime() {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.write("blocker", "a file where the cache folder should be")
        let blocked = Discovery(searchPaths: [site], cacheDirectory: fixture.root + "/blocker/cache")
        #expect(blocked.discover().environments.map(\.envKey) == ["parrot"])
    }
}
