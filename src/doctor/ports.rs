//! Check 10: host ports. A default cluster needs one free port on
//! 127.0.0.1 for the API server, chosen at random, so binding
//! `127.0.0.1:0` must work. A config file (`--config`) may fix ports:
//! `networking.apiServerPort` and every `extraPortMappings[].hostPort`
//! must be free, or create fails when the engine publishes them. For a
//! port in use the holder is named when /proc tells (`/proc/net/tcp` gives
//! the socket inode, `/proc/<pid>/fd` the process).

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};

use super::Finding;
use super::host::HostRoot;
use crate::config::{Cluster, Protocol};

pub const NAME: &str = "ports";

/// A host port a cluster will publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortRequest {
    /// The config field it comes from, e.g. `nodes[0].extraPortMappings[1].hostPort`.
    pub field: String,
    pub address: IpAddr,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindOutcome {
    Free,
    InUse {
        holder: Option<String>,
    },
    /// EACCES: a port below 1024 for an unprivileged process.
    NoPermission,
    /// EADDRNOTAVAIL: the address is not one of this host's.
    AddressNotHere,
    /// Not testable with a bind (SCTP).
    Untested,
    Error(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortFacts {
    pub ephemeral: BindOutcome,
    /// The config file's name and its ports, with `--config`.
    pub config: Option<(String, Vec<(PortRequest, BindOutcome)>)>,
    /// A rootless engine binds as the user: ports below 1024 fail for it.
    pub rootless_engine: bool,
}

impl PortRequest {
    fn describe(&self) -> String {
        let address = match self.address {
            IpAddr::V6(a) => format!("[{a}]"),
            IpAddr::V4(a) => a.to_string(),
        };
        format!("{address}:{}/{} ({})", self.port, self.protocol, self.field)
    }
}

/// The ports a config fixes: the API server's and every mapping's.
pub fn requests_of(cluster: &Cluster) -> Vec<PortRequest> {
    let mut out = Vec::new();
    if let Some(port) = cluster.networking.api_server_port.filter(|p| *p != 0) {
        out.push(PortRequest {
            field: "networking.apiServerPort".to_string(),
            address: cluster.networking.api_server_address,
            port,
            protocol: Protocol::Tcp,
        });
    }
    for (i, node) in cluster.nodes.iter().enumerate() {
        for (j, mapping) in node.extra_port_mappings.iter().enumerate() {
            if let Some(port) = mapping.host_port.filter(|p| *p != 0) {
                out.push(PortRequest {
                    field: format!("nodes[{i}].extraPortMappings[{j}].hostPort"),
                    address: mapping.listen_address,
                    port,
                    protocol: mapping.protocol,
                });
            }
        }
    }
    out
}

pub fn check(facts: &PortFacts) -> Finding {
    if facts.ephemeral != BindOutcome::Free {
        return Finding::fail(
            NAME,
            format!(
                "cannot bind 127.0.0.1:0 ({:?}): the API server's host port is picked this way",
                facts.ephemeral
            ),
            "bring the loopback interface up: `sudo ip link set lo up`",
        );
    }
    let base = "binding 127.0.0.1:0 works (the API server gets a free port)";
    let Some((source, ports)) = &facts.config else {
        return Finding::ok(NAME, base);
    };
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut fixes = Vec::new();
    let mut free = Vec::new();
    for (request, outcome) in ports {
        let what = request.describe();
        match outcome {
            BindOutcome::Free => free.push(request.port.to_string()),
            BindOutcome::Untested => {
                free.push(format!("{} (sctp: not tested)", request.port));
            }
            BindOutcome::InUse { holder } => {
                let by = holder
                    .as_deref()
                    .map(|h| format!(" by {h}"))
                    .unwrap_or_default();
                failures.push(format!("{what} is in use{by}"));
                fixes.push(match holder.as_deref() {
                    Some(h) if h.contains("docker-proxy") => format!(
                        "a container publishes port {}: `docker ps --filter publish={}` shows it; stop it, or change {} in {source}",
                        request.port, request.port, request.field
                    ),
                    Some(_) => format!(
                        "stop what holds port {}, or change {} in {source}",
                        request.port, request.field
                    ),
                    None => format!(
                        "find the holder with `sudo ss -lntup 'sport = :{}'` and stop it, or change {} in {source}",
                        request.port, request.field
                    ),
                });
            }
            BindOutcome::AddressNotHere => {
                failures.push(format!(
                    "{what}: {} is not an address of this machine",
                    request.address
                ));
                fixes.push(format!(
                    "set the listenAddress of {} in {source} to 127.0.0.1, 0.0.0.0 or an address `ip -brief address` shows",
                    request.field
                ));
            }
            BindOutcome::NoPermission if facts.rootless_engine => {
                warnings.push(format!("{what} is below 1024 and the engine is rootless"));
                fixes.push(format!(
                    "`sudo sysctl net.ipv4.ip_unprivileged_port_start={}` (persist it in /etc/sysctl.d), or change {} in {source} to a port from 1024",
                    request.port, request.field
                ));
            }
            // A rootful engine binds it as root: fine, only we may not.
            BindOutcome::NoPermission => free.push(format!(
                "{} (below 1024: not tested, the engine binds it as root)",
                request.port
            )),
            BindOutcome::Error(e) => {
                warnings.push(format!("{what}: cannot test ({e})"));
                fixes.push(format!(
                    "check that port {} is free: `ss -lntup 'sport = :{}'`",
                    request.port, request.port
                ));
            }
        }
    }
    if !failures.is_empty() || !warnings.is_empty() {
        let message = failures
            .iter()
            .chain(warnings.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        let fix = fixes.join("; ");
        return if failures.is_empty() {
            Finding::warn(NAME, message, fix)
        } else {
            Finding::fail(NAME, message, fix)
        };
    }
    if free.is_empty() {
        return Finding::ok(NAME, format!("{base}; {source} fixes no host ports"));
    }
    Finding::ok(
        NAME,
        format!(
            "{base}; the ports {source} publishes are free: {}",
            free.join(", ")
        ),
    )
}

/// Try to bind what the engine will bind.
pub fn bind_test(address: IpAddr, port: u16, protocol: Protocol) -> BindOutcome {
    let addr = SocketAddr::new(address, port);
    let result = match protocol {
        Protocol::Tcp => TcpListener::bind(addr).map(drop),
        Protocol::Udp => UdpSocket::bind(addr).map(drop),
        Protocol::Sctp => return BindOutcome::Untested,
    };
    match result {
        Ok(()) => BindOutcome::Free,
        Err(e) => match e.kind() {
            io::ErrorKind::AddrInUse => BindOutcome::InUse { holder: None },
            io::ErrorKind::PermissionDenied => BindOutcome::NoPermission,
            io::ErrorKind::AddrNotAvailable => BindOutcome::AddressNotHere,
            _ => BindOutcome::Error(e.to_string()),
        },
    }
}

/// A socket from /proc/net/{tcp,udp}{,6}.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcSocket {
    pub address: IpAddr,
    pub port: u16,
    /// Kernel TCP state; 0A is LISTEN.
    pub state: u8,
    pub inode: u64,
}

/// Parse a /proc/net/tcp-style table. Addresses are hex words in host
/// byte order; ports are plain hex.
pub fn parse_proc_net(text: &str) -> Vec<ProcSocket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (addr, port) = fields.get(1)?.split_once(':')?;
            let state = u8::from_str_radix(fields.get(3)?, 16).ok()?;
            let inode = fields.get(9)?.parse().ok()?;
            Some(ProcSocket {
                address: parse_hex_address(addr)?,
                port: u16::from_str_radix(port, 16).ok()?,
                state,
                inode,
            })
        })
        .collect()
}

fn parse_hex_address(hex: &str) -> Option<IpAddr> {
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()?;
        Some(w.to_ne_bytes())
    };
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(0)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// The inodes of sockets that hold `port` against a bind on `address`.
pub fn holding_inodes(
    sockets: &[ProcSocket],
    address: IpAddr,
    port: u16,
    protocol: Protocol,
) -> Vec<u64> {
    const TCP_LISTEN: u8 = 0x0A;
    sockets
        .iter()
        .filter(|s| s.port == port)
        .filter(|s| protocol != Protocol::Tcp || s.state == TCP_LISTEN)
        .filter(|s| s.address.is_unspecified() || address.is_unspecified() || s.address == address)
        .map(|s| s.inode)
        .collect()
}

/// `socket:[inode]` -> "pid N (comm)", from every readable /proc/<pid>/fd.
fn socket_owners(root: &HostRoot) -> BTreeMap<u64, String> {
    let mut owners = BTreeMap::new();
    let Ok(procs) = std::fs::read_dir(root.path("/proc")) else {
        return owners;
    };
    for entry in procs.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
            {
                owners
                    .entry(inode)
                    .or_insert_with(|| format!("pid {pid} ({comm})"));
            }
        }
    }
    owners
}

/// Who holds `request`'s port, if /proc says.
fn holder(root: &HostRoot, request: &PortRequest) -> Option<String> {
    let tables: &[&str] = match request.protocol {
        Protocol::Tcp => &["/proc/net/tcp", "/proc/net/tcp6"],
        Protocol::Udp => &["/proc/net/udp", "/proc/net/udp6"],
        Protocol::Sctp => return None,
    };
    let sockets: Vec<ProcSocket> = tables
        .iter()
        .filter_map(|t| root.read(t))
        .flat_map(|text| parse_proc_net(&text))
        .collect();
    let inodes = holding_inodes(&sockets, request.address, request.port, request.protocol);
    if inodes.is_empty() {
        return None;
    }
    let owners = socket_owners(root);
    inodes.iter().find_map(|i| owners.get(i).cloned())
}

pub fn gather(
    root: &HostRoot,
    config: Option<(String, &Cluster)>,
    rootless_engine: bool,
) -> PortFacts {
    let ephemeral = bind_test(IpAddr::V4(Ipv4Addr::LOCALHOST), 0, Protocol::Tcp);
    let config = config.map(|(source, cluster)| {
        let ports = requests_of(cluster)
            .into_iter()
            .map(|request| {
                let outcome = match bind_test(request.address, request.port, request.protocol) {
                    BindOutcome::InUse { .. } => BindOutcome::InUse {
                        holder: holder(root, &request),
                    },
                    other => other,
                };
                (request, outcome)
            })
            .collect();
        (source, ports)
    });
    PortFacts {
        ephemeral,
        config,
        rootless_engine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn request(field: &str, address: &str, port: u16, protocol: Protocol) -> PortRequest {
        PortRequest {
            field: field.to_string(),
            address: address.parse().unwrap(),
            port,
            protocol,
        }
    }

    fn with(ports: Vec<(PortRequest, BindOutcome)>, rootless: bool) -> PortFacts {
        PortFacts {
            ephemeral: BindOutcome::Free,
            config: Some(("dev.yaml".to_string(), ports)),
            rootless_engine: rootless,
        }
    }

    #[test]
    fn port_rules() {
        let http = request(
            "nodes[0].extraPortMappings[0].hostPort",
            "0.0.0.0",
            8080,
            Protocol::Tcp,
        );
        let web = request(
            "nodes[0].extraPortMappings[1].hostPort",
            "127.0.0.1",
            80,
            Protocol::Tcp,
        );
        let api = request("networking.apiServerPort", "127.0.0.1", 6443, Protocol::Tcp);
        let far = request(
            "nodes[1].extraPortMappings[0].hostPort",
            "10.9.9.9",
            9000,
            Protocol::Udp,
        );
        let sctp = request(
            "nodes[0].extraPortMappings[2].hostPort",
            "0.0.0.0",
            7000,
            Protocol::Sctp,
        );
        let in_use = |h: Option<&str>| BindOutcome::InUse {
            holder: h.map(str::to_string),
        };
        // (case, facts, status, message contains, fix contains)
        let cases = [
            (
                "no config: only the random port",
                PortFacts {
                    ephemeral: BindOutcome::Free,
                    config: None,
                    rootless_engine: false,
                },
                Status::Ok,
                "binding 127.0.0.1:0 works",
                "",
            ),
            (
                "loopback broken",
                PortFacts {
                    ephemeral: BindOutcome::AddressNotHere,
                    config: None,
                    rootless_engine: false,
                },
                Status::Fail,
                "cannot bind 127.0.0.1:0",
                "sudo ip link set lo up",
            ),
            (
                "all free",
                with(
                    vec![
                        (http.clone(), BindOutcome::Free),
                        (api.clone(), BindOutcome::Free),
                    ],
                    false,
                ),
                Status::Ok,
                "the ports dev.yaml publishes are free: 8080, 6443",
                "",
            ),
            (
                "config without ports",
                with(vec![], false),
                Status::Ok,
                "dev.yaml fixes no host ports",
                "",
            ),
            (
                "in use by a named process",
                with(vec![(http.clone(), in_use(Some("pid 42 (nginx)")))], false),
                Status::Fail,
                "0.0.0.0:8080/tcp (nodes[0].extraPortMappings[0].hostPort) is in use by pid 42 (nginx)",
                "stop what holds port 8080, or change nodes[0].extraPortMappings[0].hostPort in dev.yaml",
            ),
            (
                "in use by a container",
                with(
                    vec![(api.clone(), in_use(Some("pid 7 (docker-proxy)")))],
                    false,
                ),
                Status::Fail,
                "127.0.0.1:6443/tcp (networking.apiServerPort) is in use",
                "docker ps --filter publish=6443",
            ),
            (
                "in use, holder unknown",
                with(vec![(http.clone(), in_use(None))], false),
                Status::Fail,
                "8080/tcp (nodes[0].extraPortMappings[0].hostPort) is in use",
                "sudo ss -lntup 'sport = :8080'",
            ),
            (
                "address not on this host",
                with(vec![(far.clone(), BindOutcome::AddressNotHere)], false),
                Status::Fail,
                "10.9.9.9 is not an address of this machine",
                "listenAddress of nodes[1].extraPortMappings[0].hostPort",
            ),
            (
                "low port, rootless engine",
                with(vec![(web.clone(), BindOutcome::NoPermission)], true),
                Status::Warn,
                "below 1024 and the engine is rootless",
                "ip_unprivileged_port_start=80",
            ),
            (
                "low port, rootful engine",
                with(vec![(web.clone(), BindOutcome::NoPermission)], false),
                Status::Ok,
                "80 (below 1024: not tested, the engine binds it as root)",
                "",
            ),
            (
                "sctp is not tested",
                with(vec![(sctp.clone(), BindOutcome::Untested)], false),
                Status::Ok,
                "7000 (sctp: not tested)",
                "",
            ),
            (
                "failure and warning together fail",
                with(
                    vec![
                        (http.clone(), in_use(None)),
                        (web.clone(), BindOutcome::NoPermission),
                    ],
                    true,
                ),
                Status::Fail,
                "is in use; 127.0.0.1:80/tcp",
                "ip_unprivileged_port_start",
            ),
        ];
        for (case, facts, status, message, fix) in cases {
            crate::doctor::assert_finding(case, &check(&facts), status, message, fix);
        }
    }

    #[test]
    fn proc_net_tables_parse() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
                   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 361767 1 0000000041e2a90d 100 0 0 10 0\n   \
                   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 35 1 000000003ce4b8c1 100 0 0 10 0\n   \
                   2: 0100007F:B1E1 0100007F:B240 06 00000000:00000000 03:00000B9C 00000000     0        0 0 3 00000000b0ae161e\n";
        let sockets = parse_proc_net(tcp);
        assert_eq!(sockets.len(), 3);
        // The table is in host byte order; these fixtures are little endian.
        if cfg!(target_endian = "little") {
            assert_eq!(sockets[0].address, "127.0.0.1".parse::<IpAddr>().unwrap());
        }
        assert_eq!(
            (sockets[0].port, sockets[0].state, sockets[0].inode),
            (8080, 0x0A, 361767)
        );
        assert_eq!(sockets[1].port, 2024);
        assert!(sockets[1].address.is_unspecified());

        let tcp6 = "header\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0 100 0 0 10 0\n";
        let six = parse_proc_net(tcp6);
        assert_eq!(six[0].address, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert_eq!(six[0].inode, 999);

        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        // Listener on 127.0.0.1:8080 blocks binds on 127.0.0.1 and 0.0.0.0;
        // the TIME_WAIT-like socket (state 06) on 45537 does not count.
        if cfg!(target_endian = "little") {
            assert_eq!(
                holding_inodes(&sockets, lo, 8080, Protocol::Tcp),
                vec![361767]
            );
            assert_eq!(
                holding_inodes(&sockets, any, 8080, Protocol::Tcp),
                vec![361767]
            );
            assert!(holding_inodes(&sockets, lo, 45537, Protocol::Tcp).is_empty());
        }
        // The wildcard listener on 2024 blocks every address.
        assert_eq!(holding_inodes(&sockets, lo, 2024, Protocol::Tcp), vec![35]);
        assert!(holding_inodes(&sockets, lo, 9999, Protocol::Tcp).is_empty());
    }

    #[test]
    fn a_port_held_here_is_in_use_and_its_holder_named() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let mut cluster = Cluster::default_named("dr-ports");
        cluster.networking.api_server_port = Some(port);
        let facts = gather(
            &HostRoot::real(),
            Some(("dev.yaml".to_string(), &cluster)),
            false,
        );
        assert_eq!(facts.ephemeral, BindOutcome::Free);
        let (_, ports) = facts.config.as_ref().unwrap();
        assert_eq!(ports.len(), 1);
        match &ports[0].1 {
            BindOutcome::InUse { holder } => {
                // /proc is readable for our own process.
                let holder = holder.as_deref().expect("the holder is found in /proc");
                assert!(
                    holder.contains(&format!("pid {}", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("expected in use, got {other:?}"),
        }
        assert_eq!(check(&facts).status, Status::Fail);

        drop(held);
        let facts = gather(
            &HostRoot::real(),
            Some(("dev.yaml".to_string(), &cluster)),
            false,
        );
        assert_eq!(facts.config.unwrap().1[0].1, BindOutcome::Free);
    }

    #[test]
    fn a_config_lists_its_fixed_ports() {
        let mut cluster = Cluster::default_named("dr-x");
        cluster.networking.api_server_port = Some(6443);
        cluster.nodes[0].extra_port_mappings = vec![
            crate::config::PortMapping {
                container_port: 80,
                host_port: Some(8080),
                listen_address: "0.0.0.0".parse().unwrap(),
                protocol: Protocol::Tcp,
            },
            crate::config::PortMapping {
                container_port: 53,
                host_port: None,
                listen_address: "127.0.0.1".parse().unwrap(),
                protocol: Protocol::Udp,
            },
        ];
        let requests = requests_of(&cluster);
        assert_eq!(
            requests,
            vec![
                request("networking.apiServerPort", "127.0.0.1", 6443, Protocol::Tcp),
                request(
                    "nodes[0].extraPortMappings[0].hostPort",
                    "0.0.0.0",
                    8080,
                    Protocol::Tcp
                ),
            ]
        );
    }
}
