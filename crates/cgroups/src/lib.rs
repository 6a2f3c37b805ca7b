//! cgroup management for tsc-box on v1, hybrid (v1 + unified) and pure v2 hosts.
