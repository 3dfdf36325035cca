// The 3D view of foot scans for staff and clinicians (orders.scans.review). Loaded as a module only
// on the pages that show scans; three.js (npm, served by us under vendor/three/) is fetched only
// when a scan has a 3D copy. Without JavaScript or WebGL the sole preview image stays.
// Keyboard: the view is focusable; arrow keys rotate, + and - zoom, 0 resets; buttons do the same.

const STEP = Math.PI / 12;

function parseBinaryStl(buffer) {
  const view = new DataView(buffer);
  const count = view.getUint32(80, true);
  if (84 + count * 50 > buffer.byteLength) throw new Error("truncated STL");
  const positions = new Float32Array(count * 9);
  let offset = 84;
  for (let i = 0; i < count; i += 1) {
    offset += 12; // the facet normal: recomputed from the vertices
    for (let k = 0; k < 9; k += 1) {
      positions[i * 9 + k] = view.getFloat32(offset, true);
      offset += 4;
    }
    offset += 2;
  }
  return positions;
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "scan-view-button";
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

async function showViewer(figure) {
  if (!webglAvailable()) throw new Error("no WebGL");
  const THREE = await import(figure.dataset.threeSrc);
  const response = await fetch(figure.dataset.meshUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`mesh ${response.status}`);
  const positions = parseBinaryStl(await response.arrayBuffer());

  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
  geometry.computeVertexNormals();
  geometry.computeBoundingSphere();
  geometry.center();
  const radius = geometry.boundingSphere.radius || 150;

  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf4f4f4);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x888888, 2.2));
  const light = new THREE.DirectionalLight(0xffffff, 1.6);
  scene.add(light);
  const material = new THREE.MeshStandardMaterial({ color: 0xc8a27a, side: THREE.DoubleSide });
  scene.add(new THREE.Mesh(geometry, material));

  const width = 320;
  const height = 320;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.tabIndex = 0;
  canvas.className = "scan-view-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${figure.dataset.label}. ${figure.dataset.help}`);
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(window.devicePixelRatio || 1);
  renderer.setSize(width, height, false);
  const camera = new THREE.PerspectiveCamera(40, width / height, radius / 50, radius * 20);
  camera.up.set(0, 0, 1); // the foot frame: +z up out of the sole, +x heel to toes

  const start = { yaw: -Math.PI / 2, pitch: Math.PI / 5, distance: radius * 3 };
  const state = { ...start };
  function render() {
    state.pitch = Math.max(-1.5, Math.min(1.5, state.pitch));
    state.distance = Math.max(radius * 1.2, Math.min(radius * 8, state.distance));
    const flat = Math.cos(state.pitch) * state.distance;
    camera.position.set(
      Math.cos(state.yaw) * flat,
      Math.sin(state.yaw) * flat,
      Math.sin(state.pitch) * state.distance,
    );
    camera.lookAt(0, 0, 0);
    light.position.copy(camera.position);
    renderer.render(scene, camera);
  }
  const actions = {
    left: () => { state.yaw -= STEP; },
    right: () => { state.yaw += STEP; },
    up: () => { state.pitch += STEP; },
    down: () => { state.pitch -= STEP; },
    zoomIn: () => { state.distance /= 1.2; },
    zoomOut: () => { state.distance *= 1.2; },
    reset: () => { Object.assign(state, start); },
  };
  const act = (name) => () => { actions[name](); render(); };
  const keys = {
    ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down",
    "+": "zoomIn", "=": "zoomIn", "-": "zoomOut", 0: "reset",
  };
  canvas.addEventListener("keydown", (event) => {
    const name = keys[event.key];
    if (!name) return;
    event.preventDefault();
    act(name)();
  });
  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointerup", () => { drag = null; });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    state.yaw -= (event.clientX - drag.x) / 100;
    state.pitch += (event.clientY - drag.y) / 100;
    drag = { x: event.clientX, y: event.clientY };
    render();
  });

  const tools = document.createElement("div");
  tools.className = "scan-view-tools";
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", figure.dataset.label);
  tools.append(
    button(figure.dataset.rotateLeft, act("left")),
    button(figure.dataset.rotateRight, act("right")),
    button(figure.dataset.tiltUp, act("up")),
    button(figure.dataset.tiltDown, act("down")),
    button(figure.dataset.zoomIn, act("zoomIn")),
    button(figure.dataset.zoomOut, act("zoomOut")),
    button(figure.dataset.reset, act("reset")),
  );
  const wrapper = document.createElement("div");
  wrapper.className = "scan-view-3d";
  wrapper.append(canvas, tools);
  figure.insertBefore(wrapper, figure.querySelector("figcaption"));
  figure.dataset.viewerReady = "true";
  render();
}

for (const figure of document.querySelectorAll("[data-scan-viewer][data-mesh-url]")) {
  showViewer(figure).catch((error) => {
    figure.dataset.viewerReady = "failed";
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = figure.dataset.failed;
    figure.append(note);
    console.warn("scan viewer:", error);
  });
}
