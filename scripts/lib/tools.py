"""What the end-to-end scripts share: the obsreview binary to test, installing what they need (Debian packages,
pip modules) when it is missing, and a headless Chromium driven by Selenium.

Used by scripts/test-browser.py, scripts/test-pages.py and scripts/check-stats.py (Python standard library only,
until a module is installed).
"""
import importlib.util
import os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_binary():
    """$OBSREVIEW_BIN, else the debug build's obsreview (`swift build --show-bin-path`)."""
    if os.environ.get("OBSREVIEW_BIN"):
        return os.environ["OBSREVIEW_BIN"]
    env = dict(os.environ, PATH="/opt/swift/usr/bin:" + os.environ["PATH"])
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True,
                          env=env).stdout.strip()
    return os.path.join(path, "obsreview")


def ensure_debian(packages, log):
    """Installs the Debian packages that are missing (apt-get, with sudo when not root)."""
    missing = [p for p in packages if "install ok installed" not in subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout]
    if missing:
        log(f"installing Debian packages: {' '.join(missing)}")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def ensure_pip(modules, log, no_deps=False):
    """Installs with pip the packages of `modules` ({module: package}) that are not installed.

    Looks for them without importing them: pip may replace a package that is already there (installing scikit-learn
    beside a numpy 2 that the machine's scipy cannot use brings numpy 1.26 in), and a module imported before the
    install would stay in this process at the old version while its submodules load at the new one — on a fresh
    machine check-stats died with "module 'numpy' has no attribute '_no_nep50_warning'"."""
    def installed(module):
        try:
            return importlib.util.find_spec(module) is not None  # a submodule's parent is imported, not the module
        except ModuleNotFoundError:  # its parent package is missing
            return False

    missing = [package for module, package in modules.items() if not installed(module)]
    if missing:
        log(f"installing {' '.join(missing)} (pip)")
        command = [sys.executable, "-m", "pip", "install", "-q"] + (["--no-deps"] if no_deps else [])
        if subprocess.run(command + ["--break-system-packages"] + missing).returncode != 0:
            subprocess.check_call(command + missing)


def chromium(show=False, logging=("browser",), extra_arguments=()):
    """Debian's Chromium through its chromedriver: headless unless `show`, autoplay allowed, 1280×900, with the
    given log types (e.g. "performance" for the DevTools network log) kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not go to the network
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
                     "--window-size=1280,900", "--disable-dev-shm-usage", *extra_arguments):
        options.add_argument(argument)
    if not show:
        options.add_argument("--headless=new")
    options.set_capability("goog:loggingPrefs", {kind: "ALL" for kind in logging})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
