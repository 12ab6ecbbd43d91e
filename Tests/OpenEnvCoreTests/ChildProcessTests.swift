import Foundation
import Testing

@testable import OpenEnvCore

@Suite struct ChildProcessTests {
    @Test func runCapturesOutputAndStatus() {
        let run = ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], mergingErrors: true)
        #expect(run.status == 3)
        #expect(run.output == "out\nerr\n")
    }

    @Test func runWithoutMergingDropsStandardError() {
        let run = ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2"], mergingErrors: false)
        #expect(run.status == 0)
        #expect(run.output == "out\n")
    }

    @Test func aProgramThatCannotStartSaysWhy() {
        let run = ChildProcess.run("/no/such/program", [], mergingErrors: true)
        #expect(run.status == 127)
        #expect(run.output == "cannot run /no/such/program: No such file or directory")
        #expect(throws: ChildProcess.SpawnError.self) { try ChildProcess("/no/such/program", [], output: .discarded) }
    }

    @Test func standardInputIsEmptyAndNoOtherDescriptorIsInherited() throws {
        let inherited = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: only closefrom keeps it out
        defer { close(inherited) }
        let run = ChildProcess.run("/bin/sh", ["-c", "cat; ls /proc/self/fd | sort -n | tr '\\n' ' '"], mergingErrors: false)
        #expect(run.output == "0 1 2 3 ")  // 3: ls's own directory descriptor
    }

    @Test func environmentAndFileOutputReachTheChild() throws {
        let log = NSTemporaryDirectory() + "child-\(getpid()).log"
        defer { unlink(log) }
        let child = try ChildProcess("/bin/sh", ["-c", "echo $GREETING; echo oops >&2"], environment: ["GREETING": "hello"], output: .file(log))
        #expect(child.waitUntilExit() == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "hello\noops\n")
    }

    @Test func aSignalEndsTheChildAndIsReportedAsItsNumber() throws {
        let child = try ChildProcess("/bin/sleep", ["30"], output: .discarded)
        #expect(child.isRunning)
        child.send(SIGKILL)
        #expect(child.waitUntilExit() == SIGKILL)
        #expect(!child.isRunning)
        #expect(child.terminationStatus == SIGKILL)
        child.send(SIGKILL)  // after reaping: no signal to a reused process id
    }
}
