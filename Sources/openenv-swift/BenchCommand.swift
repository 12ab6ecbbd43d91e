import ArgumentParser
import OpenEnvCore

#if canImport(Glibc)
import Glibc
#endif

/// `openenv-swift bench`: how fast steps go from here to a server.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time reset + N steps against a running server; print JSON statistics.")

    @Option(help: "The environment server, e.g. http://127.0.0.1:8000.")
    var baseURL: String

    @Option(help: "Steps to time.")
    var steps = 5000

    @Option(help: "The action as a JSON object.")
    var action = "{}"

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
    }

    func run() throws {
        let fields = try jsonObject(action, option: "--action")
        let session = try EnvSession(baseURL: baseURL)
        defer { session.close() }
        _ = try session.reset()
        var latencies: [UInt64] = []
        latencies.reserveCapacity(steps)
        let cpuBefore = processCPUMicroseconds()
        let started = monotonicNanoseconds()
        for _ in 0..<steps {
            let before = monotonicNanoseconds()
            _ = try session.step(fields)
            latencies.append(monotonicNanoseconds() - before)
        }
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        let cpuAfter = processCPUMicroseconds()
        latencies.sort()
        let percentile = { (p: Double) -> Double in Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000 }
        let report: JSONValue = [
            "steps": .integer(Int64(steps)), "steps_per_second": .double(Double(steps) / elapsed),
            "p50_us": .double(percentile(0.5)), "p99_us": .double(percentile(0.99)),
            "user_us_per_step": .double((cpuAfter.user - cpuBefore.user) / Double(steps)),
            "system_us_per_step": .double((cpuAfter.system - cpuBefore.system) / Double(steps)),
        ]
        print(report.serialized())
    }
}

/// Monotonic time in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// User and system CPU time of this process (all threads), in microseconds.
func processCPUMicroseconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_utime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec),
            Double(usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_stime.tv_usec))
}
