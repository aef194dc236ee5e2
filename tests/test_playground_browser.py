"""The playground in a real browser: Debian's chromium driven by Selenium.

The server runs in a thread on a free port of 127.0.0.1; every wait is a
bounded poll (an HTTP request, or WebDriverWait on the page's own text),
never a sleep. The tests skip, saying why, where chromium, chromedriver or
Selenium is missing; CI (.ci/run) installs them.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground's web stack is not installed")
pytest.importorskip("uvicorn", reason="the playground's web stack is not installed")
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="Selenium is not installed (pip install selenium)")

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

import nnzero as nz  # noqa: E402
from nnzero.playground.data import features  # noqa: E402
from nnzero.playground.server import make_server  # noqa: E402
from nnzero.playground.session import Session  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WAIT = 90  # seconds; a bound on every wait, far above what a healthy run needs

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
           "chromium-driver); CI installs them",
)


@pytest.fixture(scope="module")
def server():
    srv, sock, url = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    # The socket already listens, so this request waits (bounded) for the loop to answer.
    with urllib.request.urlopen(url, timeout=WAIT) as reply:
        assert reply.status == 200
    yield url
    srv.should_exit = True
    thread.join(timeout=WAIT)
    sock.close()


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    except WebDriverException as err:
        pytest.skip(f"chromium could not be started: {err.msg}")
    yield d
    d.quit()


def open_page(driver, url):
    driver.get("about:blank")  # a fresh page and session even where only the #hash differs
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: loss(d, "test-loss") is not None)
    driver.get_log("browser")  # start each test's console check from here


def by_id(driver, testid):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def loss(driver, testid):
    try:
        return float(by_id(driver, testid).text)
    except ValueError:
        return None


def epoch(driver):
    return int(by_id(driver, "epoch").text)


def step(driver, times):
    for _ in range(times):
        target = epoch(driver) + 1
        by_id(driver, "step").click()
        WebDriverWait(driver, WAIT).until(lambda d, t=target: epoch(d) >= t)


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_page_loads_without_console_errors_or_external_requests(server, driver):
    driver.get(server)
    WebDriverWait(driver, WAIT).until(lambda d: loss(d, "test-loss") is not None)
    assert console_errors(driver) == []
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    origin = server.rstrip("/")
    assert resources, "the page loaded no resources at all"
    assert all(name.startswith(origin + "/") for name in resources), resources
    for testid in ("play", "step", "reset", "dataset", "add-layer", "train-loss", "test-loss",
                   "upload", "export-model", "export-config"):
        assert by_id(driver, testid) is not None


def test_play_makes_the_test_loss_fall_on_circle(server, driver):
    open_page(driver, server + "#dataset=circle&layers=4,2&learning_rate=0.1")
    start = loss(driver, "test-loss")
    by_id(driver, "play").click()
    WebDriverWait(driver, WAIT).until(lambda d: (loss(d, "test-loss") or start) < 0.5 * start)
    by_id(driver, "play").click()  # pause
    assert epoch(driver) > 0
    assert console_errors(driver) == []


def test_a_neuron_heat_map_changes_with_training(server, driver):
    open_page(driver, server + "#dataset=xor&layers=4&learning_rate=0.3")
    picture = "return document.querySelector('[data-testid=\"neuron-0-0\"]').toDataURL()"
    before = driver.execute_script(picture)
    step(driver, 5)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(picture) != before)


def test_pointing_at_a_neuron_shows_its_map_large(server, driver):
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(driver, server + "#dataset=xor&layers=4")
    step(driver, 2)
    picture = "return document.querySelector('[data-testid=\"output\"]').toDataURL()"
    before = driver.execute_script(picture)
    ActionChains(driver).move_to_element(by_id(driver, "neuron-0-1")).perform()
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(picture) != before)
    assert "neuron 1:1, bias = " in driver.find_element(By.ID, "hover").text
    ActionChains(driver).move_to_element(by_id(driver, "play")).perform()
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(picture) == before)


def test_adding_a_layer_adds_a_column_of_neurons(server, driver):
    open_page(driver, server + "#layers=4,2")
    by_id(driver, "add-layer").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="neuron-2-1"]'))
    assert "3 hidden layers" in driver.find_element(By.ID, "layer-count").text
    assert "layers=4%2C2%2C2" in driver.current_url  # the URL holds the new state
    step(driver, 1)
    frame_layers = driver.execute_script("return window.nnzPlayground.frame.neurons.length")
    assert frame_layers == 3


def test_the_url_reproduces_the_state(server, driver):
    open_page(driver, server + "#dataset=spiral&layers=3&activation=relu&seed=7"
              "&show_test=true")
    assert by_id(driver, "dataset").get_attribute("value") == "spiral"
    assert driver.find_element(By.ID, "activation").get_attribute("value") == "relu"
    assert driver.find_element(By.ID, "show_test").is_selected()
    assert not driver.find_element(By.ID, "discretize").is_selected()
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="neuron-0-2"]')
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="neuron-1-0"]')
    step(driver, 3)
    first = (loss(driver, "train-loss"), loss(driver, "test-loss"))
    link = driver.current_url
    assert "seed=7" in link and "show_test=true" in link
    open_page(driver, link)  # the same link: the same run
    step(driver, 3)
    assert (loss(driver, "train-loss"), loss(driver, "test-loss")) == first
    assert driver.find_element(By.ID, "show_test").is_selected()


def write_blobs(path, n=200):
    rng = np.random.default_rng(1)
    rows = ["width,height,kind"]
    for i in range(n):
        kind = "cat" if i % 2 else "dog"
        centre = 3.0 if kind == "cat" else -3.0
        rows.append(f"{rng.normal(centre, 1):.4f},{rng.normal(centre, 1):.4f},{kind}")
    path.write_text("\n".join(rows) + "\n")


def test_an_uploaded_csv_is_trained_on(server, driver, tmp_path):
    open_page(driver, server)
    csv_path = tmp_path / "pets.csv"
    write_blobs(csv_path)
    by_id(driver, "upload").send_keys(str(csv_path))
    WebDriverWait(driver, WAIT).until(
        lambda d: by_id(d, "dataset").get_attribute("value") == "upload")
    WebDriverWait(driver, WAIT).until(lambda d: epoch(d) == 0 and loss(d, "test-loss"))
    n_train = driver.execute_script("return window.nnzPlayground.data.train.length")
    assert n_train == 100
    assert "cat" in by_id(driver, "legend").text and "dog" in by_id(driver, "legend").text
    start = loss(driver, "test-loss")
    by_id(driver, "play").click()
    WebDriverWait(driver, WAIT).until(lambda d: (loss(d, "test-loss") or start) < 0.5 * start)
    by_id(driver, "play").click()
    assert console_errors(driver) == []


def test_a_bad_upload_shows_a_message_and_the_page_goes_on(server, driver, tmp_path):
    open_page(driver, server)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c,label\n1,2,3,x\n4,5,6,y\n")
    by_id(driver, "upload").send_keys(str(bad))
    WebDriverWait(driver, WAIT).until(lambda d: by_id(d, "error").is_displayed())
    assert "two feature columns" in by_id(driver, "error").text
    step(driver, 1)  # the session still trains
    assert by_id(driver, "dataset").get_attribute("value") == "circle"
    Select(by_id(driver, "dataset")).select_by_value("upload")  # no good file uploaded yet
    WebDriverWait(driver, WAIT).until(lambda d: "no CSV file" in by_id(d, "error").text)
    WebDriverWait(driver, WAIT).until(  # the page shows again what the server kept
        lambda d: by_id(d, "dataset").get_attribute("value") == "circle")


def test_clicking_the_plane_adds_points_of_the_chosen_class(server, driver):
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(driver, server + "#dataset=xor")
    Select(by_id(driver, "add-class")).select_by_value("1")
    count = "const d = window.nnzPlayground.data; return d.train.length + d.test.length"
    for clicks in (1, 2):
        ActionChains(driver).move_to_element_with_offset(by_id(driver, "output"), 60, -60)\
            .click().perform()
        WebDriverWait(driver, WAIT).until(
            lambda d, n=500 + clicks: d.execute_script(count) == n)
    assert by_id(driver, "dataset").get_attribute("value") == "custom"
    points = driver.execute_script(
        "const d = window.nnzPlayground.data; return d.train.concat(d.test)")
    # Both clicks hit the same pixel, about (2.4, 2.4) on the plane: two equal points.
    near = [tuple(p) for p in points if abs(p[0] - 2.4) < 0.2 and abs(p[1] - 2.4) < 0.2]
    assert any(near.count(p) == 2 and p[2] == 1 for p in near), near
    step(driver, 1)
    assert console_errors(driver) == []


def test_the_exported_model_predicts_what_the_page_shows(server, driver):
    open_page(driver, server + "#dataset=gauss&layers=3,2&features=x1,x2,x1x2")
    step(driver, 3)
    session = driver.execute_script("return document.body.dataset.session")
    output = driver.execute_script("return window.nnzPlayground.frame.output")
    by_id(driver, "export-model").click()  # the button itself downloads without errors
    with urllib.request.urlopen(f"{server}api/export/model?session={session}",
                                timeout=WAIT) as reply:
        content = reply.read()
    path = ARTIFACTS / "playground-test.nnz"
    ARTIFACTS.mkdir(exist_ok=True)
    path.write_bytes(content)
    model = nz.load_model(path)
    page = np.frombuffer(base64.b64decode(output), dtype="<f4")
    grid = Session().grid  # the page's 50 x 50 grid of the plane
    predicted = model.predict(features(grid, ["x1", "x2", "x1x2"]).astype(np.float32))[:, 0]
    np.testing.assert_allclose(predicted, page, rtol=0, atol=1e-6)
    with urllib.request.urlopen(f"{server}api/export/config?session={session}",
                                timeout=WAIT) as reply:
        assert b"nnzero train --config" in reply.read()
    assert console_errors(driver) == []


def test_the_step_view_shows_a_sample_flowing_through(server, driver):
    open_page(driver, server + "#layers=3")
    by_id(driver, "trace").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="trace-out"] table'))
    rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="trace-out"] tr')
    assert len(rows) == 1 + 3 + 1  # header, three hidden neurons, the output
    trace = driver.execute_script("return JSON.stringify(window.nnzPlayground.trace)")
    assert len(json.loads(trace)["layers"]) == 2
    step(driver, 1)  # a step with the view open traces the sample through the new weights
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return window.nnzPlayground.trace.epoch") == 1)
    title = driver.execute_script("return document.querySelector('#edges title').textContent")
    assert "dL/dw = " in title


def test_a_screenshot_is_kept(server, driver):
    open_page(driver, server + "#dataset=spiral&layers=8,8,4&features=x1,x2,sinx1,sinx2"
              "&learning_rate=0.03&optimizer=adam")
    step(driver, 40)
    by_id(driver, "trace").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="trace-out"] table'))
    ARTIFACTS.mkdir(exist_ok=True)
    png = driver.get_screenshot_as_png()
    (ARTIFACTS / "playground.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(io.BytesIO(png).getvalue()) > 10_000
    assert console_errors(driver) == []
