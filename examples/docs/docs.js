// The example docs page's own script: what a docs site writes around its <contained-lab>s.
//  - a "Run in the lab" button on every <pre data-run-in="LAB-ID">, typing its lines into that lab
//  - buttons that pause, resume, stop and start a lab
//  - a log of the events the labs send (they bubble up to the document)
const EVENTS = ["loaded", "ready", "status", "command-finished", "step-passed", "error"];

function labNamed(id) {
  const lab = document.getElementById(id);
  if (!lab || lab.localName !== "contained-lab") throw new Error(`no <contained-lab id="${id}">`);
  return lab;
}

function log(text) {
  const item = document.createElement("li");
  item.textContent = text;
  const list = document.getElementById("event-log");
  list?.append(item);
  // (the log scrolls, not the page: a lab scrolled out of view may pause)
  const box = list?.closest(".events");
  if (box) box.scrollTop = box.scrollHeight;
}

for (const pre of document.querySelectorAll("pre[data-run-in]")) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "run";
  button.textContent = "Run in the lab";
  button.addEventListener("click", async () => {
    const lab = labNamed(pre.dataset.runIn);
    try {
      // (a lab that has not started yet starts, and the command waits for its prompt)
      await lab.run(pre.querySelector("code").textContent.trim());
      lab.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } catch (e) {
      log(`${lab.id}: could not run: ${e.message}`);
    }
  });
  pre.append(button);
}

for (const controls of document.querySelectorAll("[data-controls]")) {
  const lab = labNamed(controls.dataset.controls);
  for (const button of controls.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => lab[button.dataset.action]().catch((e) => log(`${lab.id}: ${button.dataset.action}: ${e.message}`)));
  }
}

for (const type of EVENTS) {
  document.addEventListener(`contained-${type}`, (event) => {
    const { detail } = event;
    const lab = event.target.id || detail.lab;
    if (type === "status") {
      const status = document.querySelector(`[data-status-of="${lab}"]`);
      if (status) status.textContent = detail.status;
    }
    const facts = { ...detail };
    delete facts.contained;
    delete facts.lab;
    delete facts.type;
    log(`${lab}: ${type} ${JSON.stringify(facts)}`);
  });
}
