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
