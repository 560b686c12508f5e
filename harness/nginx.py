"""Nginx for the loopback tests and benchmarks, configured from deploy/nginx.conf itself.

render() copies the production file and replaces a few of its literal lines (ports, paths, the
certificate, the plain-HTTP redirect), so what the tests exercise is what production runs. A
literal that is no longer in deploy/nginx.conf raises NginxConfigDrift: change this file with it.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

from .processes import answers_on

NGINX = "/usr/sbin/nginx"
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "deploy" / "nginx.conf"

UPSTREAM_SERVERS = (
    "        server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;\n"
    "        server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;\n"
)
REDIRECT_BEGIN = "    # BEGIN plain-http redirect"
REDIRECT_END = "    # END plain-http redirect\n"
HTTPS_LISTEN = "        listen 443 ssl http2 default_server;\n"
HTTPS_LISTEN_V6 = "        listen [::]:443 ssl http2 default_server;\n"
QUIZ_LISTEN = "        listen 443 ssl http2;\n"
QUIZ_LISTEN_V6 = "        listen [::]:443 ssl http2;\n"
# The tests reach Nginx by its loopback address: that is the quiz's name there.
QUIZ_SERVER_NAME = "        server_name quiz.example.org;\n"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class NginxConfigDrift(RuntimeError):
    """deploy/nginx.conf no longer contains a line the test config is derived from."""


def _replace(text, old, new, count=1):
    """Replace `old` exactly `count` times (None: at least once)."""
    found = text.count(old)
    if found == 0 or (count is not None and found != count):
        raise NginxConfigDrift(
            f"deploy/nginx.conf should contain {old!r} "
            f"{'at least once' if count is None else f'{count} time(s)'} but has it {found} time(s); "
            f"update harness/nginx.py together with deploy/nginx.conf"
        )
    return text.replace(old, new)


def _cut(text, begin, end):
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise NginxConfigDrift(
            f"deploy/nginx.conf should contain a block from {begin!r} to {end!r}; "
            f"update harness/nginx.py together with deploy/nginx.conf"
        )
    return text[:start] + text[stop + len(end) :]


OPENSSL_REQUEST = (
    "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
    "-addext subjectAltName=DNS:localhost,IP:127.0.0.1"
).split()


def self_signed_certificate(workdir):
    """(certificate path, key path) for 127.0.0.1 and localhost, valid for two days."""
    cert, key = Path(workdir) / "cert.pem", Path(workdir) / "key.pem"
    openssl = shutil.which("openssl")
    if openssl:
        command = [openssl, *OPENSSL_REQUEST, "-keyout", str(key), "-out", str(cert)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    else:
        _certificate_in_python(cert, key)
    return cert, key


def _certificate_in_python(cert, key):
    """The same certificate without the openssl command, from the cryptography package."""
    try:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as missing:
        raise RuntimeError(
            "a self-signed certificate needs the openssl command or the cryptography package"
        ) from missing
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def _local_paths(text, workdir):
    """Certificate, pid, logs and temp files in workdir: what the file names outside the repo."""
    cert, key = self_signed_certificate(workdir)
    text = _replace(text, "pid /run/nginx.pid;", f"pid {workdir}/nginx.pid;")
    text = _replace(text, "/var/log/nginx/", f"{workdir}/", count=None)
    temp_paths = "".join(f"    {kind}_temp_path {workdir}/{kind}_temp;\n" for kind in TEMP_PATHS)
    text = _replace(text, "\nhttp {\n", "\nhttp {\n" + temp_paths)
    # The quiz's server and the default server that refuses other names.
    text = _replace(text, "/etc/ssl/pubquiz/fullchain.pem", str(cert), count=2)
    return _replace(text, "/etc/ssl/pubquiz/privkey.pem", str(key), count=2)


def render_production(workdir, source=SOURCE):
    """Write workdir/nginx.conf: deploy/nginx.conf as it is (ports 80 and 443, the redirect,
    the user), only with its files in workdir, for `nginx -t`. Returns the path."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "nginx.conf"
    path.write_text(_local_paths(Path(source).read_text(), workdir))
    return path


def render(workdir, upstream_ports, http_port, https_port, static_root, source=SOURCE):
    """Write workdir/nginx.conf: deploy/nginx.conf on loopback ports, with everything it writes
    kept in workdir, and the HTTPS servers also served over plain HTTP on http_port (in place of
    the redirect): the quiz's locations for Host 127.0.0.1 or localhost, and the refusal of any
    other name. static_root is the repo's static/ folder. Returns the path."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    text = _local_paths(Path(source).read_text(), workdir)
    text = _replace(text, "user www-data;\n", "")
    text = _replace(
        text,
        UPSTREAM_SERVERS,
        "".join(
            f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstream_ports
        ),
    )
    text = _cut(text, REDIRECT_BEGIN, REDIRECT_END)
    text = _replace(
        text,
        HTTPS_LISTEN,
        f"        listen 127.0.0.1:{https_port} ssl http2 default_server;\n"
        f"        listen 127.0.0.1:{http_port} default_server;\n",
    )
    text = _replace(text, HTTPS_LISTEN_V6, "")
    text = _replace(
        text,
        QUIZ_LISTEN,
        f"        listen 127.0.0.1:{https_port} ssl http2;\n        listen 127.0.0.1:{http_port};\n",
    )
    text = _replace(text, QUIZ_LISTEN_V6, "")
    text = _replace(text, QUIZ_SERVER_NAME, "        server_name quiz.example.org 127.0.0.1 localhost;\n")
    text = _replace(text, "root /srv/pubquiz;", f"root {Path(static_root).resolve().parent};")
    path = workdir / "nginx.conf"
    path.write_text(text)
    return path


def _command(config_path, *extra):
    workdir = Path(config_path).resolve().parent
    # -e: the error log nginx opens before it has read the config (else /var/log/nginx).
    return [NGINX, "-c", str(config_path), "-p", f"{workdir}/", "-e", f"{workdir}/error.log", *extra]


def check(config_path):
    """`nginx -t` on the file: (ok, output)."""
    result = subprocess.run(_command(config_path, "-t"), capture_output=True, text=True, timeout=30)
    return result.returncode == 0, result.stdout + result.stderr


def _ports(config_path):
    import re

    return [int(p) for p in re.findall(r"listen 127\.0\.0\.1:(\d+)", Path(config_path).read_text())]


def start(config_path, timeout=15):
    """Run nginx in the foreground as a child process; return it once every port it listens on
    accepts connections."""
    workdir = Path(config_path).resolve().parent
    log = open(workdir / "nginx.out", "w")
    process = subprocess.Popen(
        _command(config_path, "-g", "daemon off;"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    ports = _ports(config_path)
    while not all(answers_on(port) for port in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            output = (workdir / "nginx.out").read_text()
            errors = (workdir / "error.log").read_text() if (workdir / "error.log").exists() else ""
            raise RuntimeError(f"nginx did not start on {ports}:\n{output}\n{errors}")
        time.sleep(0.05)
    return process


def stop(process, timeout=10):
    """Fast shutdown (SIGTERM to the master), then SIGKILL to its process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
        process.wait(timeout=timeout)
