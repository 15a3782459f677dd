// « Près de moi » on the site picker: the phone's position, asked once when the button is tapped,
// sorts the landlord's estates by distance here, in the browser. The position is neither sent nor
// kept (only the estates' coordinates are fetched).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var box = document.querySelector("[data-testid=near-me]");
  if (!box || !("geolocation" in navigator)) return;
  box.hidden = false;
  var button = box.querySelector("button");
  var error = box.querySelector(".fr-error-text");
  var list = box.querySelector("[data-testid=nearest]");
  var NEAREST = 5;

  // Great-circle distance in metres (haversine): enough precision to tell two estates apart.
  function distance(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b.latitude - a.latitude) * rad;
    var dLon = (b.longitude - a.longitude) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }

  function label(metres) {
    var text = metres < 1000 ? Math.round(metres / 10) * 10 + " m" : (metres / 1000).toFixed(1).replace(".", ",") + " km";
    return box.dataset.away.replace("%(distance)s", text);
  }

  function show(position, sites) {
    var here = { latitude: position.coords.latitude, longitude: position.coords.longitude };
    sites.forEach(function (site) { site.distance = distance(here, site); });
    sites.sort(function (a, b) { return a.distance - b.distance; });
    list.replaceChildren();
    sites.slice(0, NEAREST).forEach(function (site) {
      var item = document.createElement("li");
      item.className = "fr-mb-2w";
      var link = document.createElement("a");
      link.className = "fr-btn fr-btn--lg passerelle-btn-block";
      link.href = site.url;
      link.textContent = site.name + " (" + label(site.distance) + ")";
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function refuse() {
    error.textContent = box.dataset.refused;
    error.hidden = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    error.hidden = true;
    var sites = fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) { return body.sites; });
    navigator.geolocation.getCurrentPosition(
      function (position) {
        sites.then(function (found) { show(position, found); }).catch(refuse);
      },
      refuse,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
});
