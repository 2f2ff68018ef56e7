// The pages: login (/), the OAuth callback (/auth/soundcloud/callback) and the library.

import { ensureValidToken, handleCallbackPage, login } from "/auth.js";
import { SOUNDCLOUD_API } from "/config.js";

const main = document.querySelector("main");
const showError = (message) => {
  const alert = document.createElement("p");
  alert.id = "error";
  alert.setAttribute("role", "alert");
  alert.textContent = message;
  main.append(alert);
};
const heading = (text) => {
  const h1 = document.createElement("h1");
  h1.textContent = text;
  main.replaceChildren(h1);
};

async function libraryPage() {
  heading("Library");
  const user = JSON.parse(localStorage.getItem("sc_user") ?? "null");
  const who = document.createElement("p");
  who.id = "user";
  who.textContent = user ? `Signed in as ${user.username}` : "Not signed in";
  main.append(who);
  const load = document.createElement("button");
  load.textContent = "Load my SoundCloud profile";
  load.addEventListener("click", async () => {
    try {
      const token = await ensureValidToken();
      const response = await fetch(`${SOUNDCLOUD_API}/me`, {
        headers: { Authorization: `OAuth ${token}` },
      });
      if (!response.ok) throw new Error(`SoundCloud answered ${response.status}`);
      const me = await response.json();
      const profile = document.createElement("p");
      profile.id = "profile";
      profile.textContent = `Profile: ${me.username}`;
      main.append(profile);
    } catch (error) {
      showError(error.message);
    }
  });
  main.append(load);
}

async function route() {
  const path = window.location.pathname;
  if (path === "/auth/soundcloud/callback") {
    heading("Connecting…");
    try {
      await handleCallbackPage(new URLSearchParams(window.location.search));
    } catch (error) {
      showError(error.message);
    }
  } else if (path === "/library") {
    await libraryPage();
  } else {
    heading("Starlib");
    const button = document.createElement("button");
    button.textContent = "Connect SoundCloud";
    button.addEventListener("click", () => login().catch((error) => showError(error.message)));
    main.append(button);
  }
}

route();
