#if canImport(Glibc)
    import Glibc
#endif

/// User plus system CPU seconds of this process and of its finished children (the plug-ins): on a shared
/// machine they show the work done, which wall-clock time blurs.
struct CPUTime {
    var tandem: Double
    var children: Double

    static func now() -> CPUTime {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(who), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return CPUTime(tandem: seconds(RUSAGE_SELF.rawValue), children: seconds(RUSAGE_CHILDREN.rawValue))
    }

    static func - (lhs: CPUTime, rhs: CPUTime) -> CPUTime {
        CPUTime(tandem: lhs.tandem - rhs.tandem, children: lhs.children - rhs.children)
    }
}
