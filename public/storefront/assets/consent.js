// Stand-in for Shopify's customer privacy API, backed by a cookie banner.
//
// On a real storefront, `Shopify.loadFeatures` loads the consent tracking
// API into `Shopify.customerPrivacy`. This stand-in implements the
// `...Allowed()` checks, `currentVisitorConsent()`, `setTrackingConsent()`,
// `loadFeatures()` and the `visitorConsentCollected` document event.
// `?consent=granted` or `?consent=denied` in the URL records a choice before
// the banner shows, so automated tests can skip it.
(function () {
  var STORAGE_KEY = "fernwood-consent";
  var choice = readStoredChoice();
  var requested = new URLSearchParams(window.location.search).get("consent");

  if (requested === "granted" || requested === "denied") {
    choice = requested;
    storeChoice(requested);
  }

  function readStoredChoice() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY);
      return value === "granted" || value === "denied" ? value : null;
    } catch (error) {
      return null;
    }
  }

  function storeChoice(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (error) {
      // Storage can be disabled, and then the choice lasts for this page only.
    }
  }

  function isGranted() {
    return choice === "granted";
  }

  // Each purpose is "yes" or "no", or "" before the shopper chooses.
  function consentValue() {
    if (choice === null) return "";
    return isGranted() ? "yes" : "no";
  }

  var banner = document.getElementById("consent-banner");

  function recordChoice(value) {
    choice = value;
    storeChoice(value);
    if (banner) banner.hidden = true;
    var allowed = isGranted();
    document.dispatchEvent(
      new CustomEvent("visitorConsentCollected", {
        detail: {
          analyticsAllowed: allowed,
          marketingAllowed: allowed,
          preferencesAllowed: allowed,
          saleOfDataAllowed: allowed,
        },
      }),
    );
  }

  window.Shopify = window.Shopify || {};
  window.Shopify.customerPrivacy = {
    analyticsProcessingAllowed: isGranted,
    marketingAllowed: isGranted,
    preferencesProcessingAllowed: isGranted,
    saleOfDataAllowed: isGranted,
    userCanBeTracked: isGranted,
    shouldShowBanner: function () {
      return choice === null;
    },
    currentVisitorConsent: function () {
      var value = consentValue();
      return {
        analytics: value,
        marketing: value,
        preferences: value,
        sale_of_data: value,
      };
    },
    // Accepts a boolean or an object such as `{ analytics: true }`.
    setTrackingConsent: function (consent, callback) {
      var granted =
        typeof consent === "boolean" ? consent : Boolean(consent.analytics);
      recordChoice(granted ? "granted" : "denied");
      if (typeof callback === "function") callback();
    },
  };
  // The privacy API is already present, so loading it only calls back.
  window.Shopify.loadFeatures =
    window.Shopify.loadFeatures ||
    function (features, callback) {
      if (typeof callback === "function") callback(null);
    };

  if (!banner) return;
  banner.hidden = choice !== null;
  document
    .getElementById("consent-accept")
    .addEventListener("click", function () {
      recordChoice("granted");
    });
  document
    .getElementById("consent-decline")
    .addEventListener("click", function () {
      recordChoice("denied");
    });
})();
