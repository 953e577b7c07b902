// What a browser client of the API does: fetch with the raw token and a JSON content type,
// then read the status and the JSON body. A missing CORS header makes fetch reject, and the
// answer then says so in `failure` instead of a status.
async function callApi(base, method, path, token, body) {
  const init = {
    method,
    headers: { "Content-Type": "application/json", Authorization: token },
    mode: "cors",
  };
  if (body !== undefined && body !== null) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  try {
    const response = await fetch(base + path, init);
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch (error) {
      json = null;
    }
    const answer = { status: response.status, json, text };
    document.getElementById("log").textContent += `${method} ${path} ${response.status}\n`;
    return answer;
  } catch (error) {
    return { status: 0, json: null, failure: String(error) };
  }
}

// Several calls at once, as a burst that a usage plan throttles.
async function burst(base, method, path, token, count) {
  const calls = [];
  for (let index = 0; index < count; index += 1) {
    calls.push(callApi(base, method, path, token, null));
  }
  return Promise.all(calls);
}

window.callApi = callApi;
window.burst = burst;
