// The compact chat shown inside the portal widget's iframe. It calls /api/ask on its own
// server and builds every node with textContent: answer and record text are never parsed as HTML.
(function () {
  "use strict";
  const STUDY_URL = "https://clinicaltrials.gov/study/";
  const CITATION = /\[(NCT\d{8})\]/g;
  const BOLD = /\*\*([^*]+)\*\*/g;
  const MARKDOWN_ESCAPE = /\\([\\`*_{}\[\]()#+\-.!<>|])/g;

  const params = new URLSearchParams(location.search);
  const log = document.getElementById("log");
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const askButton = document.getElementById("ask");
  let sessionId = null;

  if (params.get("title")) {
    document.getElementById("title").textContent = params.get("title");
    document.title = params.get("title");
  }
  if (params.get("question")) input.value = params.get("question");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function citationNumbers(answer) {
    const numbers = new Map();
    const cited = [...answer.answer.matchAll(CITATION)].map((m) => m[1]);
    for (const id of [...cited, ...answer.citations.map((c) => c.nct_id)]) {
      if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
    }
    return numbers;
  }

  function quotesOf(answer, id) {
    return answer.citations.filter((c) => c.nct_id === id);
  }

  function studyLink(id, text) {
    const a = el("a", null, text);
    a.href = STUDY_URL + id;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Plain text, **bold** and [NCT…] citation markers of one line, as DOM nodes.
  // Inside a “quote” the words are the record's: a "[NCT…]" there is text, not a citation.
  function insideQuote(text) {
    return text.split("“").length > text.split("”").length;
  }

  function appendInline(parent, line, answer, numbers) {
    let before = "";
    line.split(CITATION).forEach((part, i) => {
      if (i % 2 === 1) {
        if (!numbers.has(part) || insideQuote(before)) {
          before += "[" + part + "]";
          parent.append("[" + part + "]");
          return;
        }
        const link = studyLink(part, "[" + numbers.get(part) + "]");
        link.className = "cite";
        link.title = quotesOf(answer, part).map((c) => c.section + ": “" + c.quote + "”").join("\n") || part;
        // "NCT06433830: ECOG 0-2 [NCT06433830]" reads better without the ID twice.
        if (before.includes(part)) parent.append(link); else parent.append(part + " ", link);
        return;
      }
      before += part;
      part.split(BOLD).forEach((text, j) => {
        const plain = text.replace(MARKDOWN_ESCAPE, "$1");
        parent.append(j % 2 === 1 ? el("strong", null, plain) : plain);
      });
    });
  }

  function renderBody(answer, numbers) {
    const body = el("div");
    let list = null;
    for (const line of answer.answer.split("\n")) {
      const item = line.match(/^\s*[-*]\s+(.*)$/);
      if (item) {
        if (!list) { list = el("ul"); body.append(list); }
        const li = el("li");
        appendInline(li, item[1], answer, numbers);
        list.append(li);
        continue;
      }
      list = null;
      if (line.trim()) {
        const p = el("p");
        appendInline(p, line, answer, numbers);
        body.append(p);
      }
    }
    return body;
  }

  function renderReferences(answer, numbers) {
    const box = el("div", "references");
    if (numbers.size === 0) return box;
    box.append(el("strong", null, "References"));
    const list = el("ol");
    for (const [id, number] of numbers) {
      const details = el("details");
      const summary = el("summary", null, "[" + number + "] ");
      summary.append(studyLink(id, id));
      details.append(summary);
      for (const c of quotesOf(answer, id)) {
        const quote = el("blockquote");
        quote.append(el("span", "section", c.section + " "), "“" + c.quote + "”");
        details.append(quote);
      }
      const li = el("li");
      li.append(details);
      list.append(li);
    }
    box.append(list);
    return box;
  }

  function show(node) {
    const hint = log.querySelector(".hint");
    if (hint) hint.remove();
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }

  function showAnswer(answer) {
    const numbers = citationNumbers(answer);
    const message = el("div", "msg assistant");
    message.append(renderBody(answer, numbers), renderReferences(answer, numbers));
    show(message);
    // Read a long answer from its first line (scrollIntoView would also scroll the portal page).
    log.scrollTop = message.offsetTop - log.offsetTop;
  }

  async function ask(question) {
    show(el("div", "msg user", question));
    askButton.disabled = true;
    try {
      // Streamed (/api/ask/stream): a chat model's checked claims as they come, then the answer.
      const response = await fetch("/api/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(sessionId ? { question, session_id: sessionId } : { question }),
      });
      if (!response.ok) {
        const data = await response.json();
        throw new Error(data.detail || "The request failed (" + response.status + ").");
      }
      const draft = el("div", "msg assistant");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let pending = "";
      for (let done = false; !done; ) {
        const chunk = await reader.read();
        done = chunk.done;
        pending += decoder.decode(chunk.value || new Uint8Array(), { stream: !done });
        const lines = pending.split("\n");
        pending = lines.pop();
        for (const line of lines.filter((l) => l.trim())) {
          const event = JSON.parse(line);
          if (event.error) throw new Error(event.error);
          if (event.claims) {
            draft.replaceChildren(...event.claims.map((claim) => el("p", null, claim)));
            if (!draft.isConnected) show(draft);
          }
          if (event.answer) {
            draft.remove();
            showAnswer(event.answer);
          }
        }
      }
    } catch (error) {
      show(el("div", "msg error", error.message || String(error)));
    } finally {
      askButton.disabled = false;
      input.focus();
    }
  }

  function newSessionId() {
    return "embed-" + crypto.getRandomValues(new Uint32Array(4)).join("-");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    sessionId = sessionId || newSessionId();
    ask(question);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("new-conversation").addEventListener("click", () => {
    sessionId = null;
    log.replaceChildren(el("p", "hint", "New conversation."));
  });
})();
