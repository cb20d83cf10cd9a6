// Behaviour of the Fernwood demo storefront: mobile menu, cart count,
// product form and cart page. The cart lives in localStorage because the demo
// has no cart API, and "Add to cart" and "Check out" never leave the page.
(function () {
  var CART_KEY = "fernwood-cart";
  // A first visit starts with two lines so the cart page has content.
  var DEFAULT_CART = { "linen-shirt": 1, "canvas-tote": 1 };

  function readCart() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(CART_KEY));
      if (stored && typeof stored === "object") return stored;
    } catch (error) {
      // Fall through to the default cart.
    }
    return Object.assign({}, DEFAULT_CART);
  }

  function writeCart(cart) {
    try {
      window.localStorage.setItem(CART_KEY, JSON.stringify(cart));
    } catch (error) {
      // Storage can be disabled, but the count still updates on this page.
    }
    renderCartCount(cart);
  }

  function renderCartCount(cart) {
    var count = 0;
    Object.keys(cart).forEach(function (handle) {
      count += cart[handle];
    });
    var badge = document.getElementById("cart-count");
    if (badge) {
      badge.textContent = String(count);
      badge.hidden = count === 0;
    }
  }

  function formatMoney(cents) {
    return "$" + (cents / 100).toFixed(2);
  }

  function clampQuantity(value, min, max) {
    var number = parseInt(value, 10);
    if (isNaN(number)) number = min;
    return Math.min(max, Math.max(min, number));
  }

  function setUpMenu() {
    var header = document.getElementById("site-header");
    var toggle = document.getElementById("menu-toggle");
    if (!header || !toggle) return;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  function setUpGallery() {
    var main = document.getElementById("gallery-main");
    var thumbs = document.querySelectorAll("#gallery-thumbs button");
    if (!main) return;
    thumbs.forEach(function (thumb) {
      thumb.addEventListener("click", function () {
        thumbs.forEach(function (other) {
          other.removeAttribute("aria-current");
        });
        thumb.setAttribute("aria-current", "true");
        main.className = "gallery-main media " + thumb.dataset.media;
      });
    });
  }

  function setUpProductForm() {
    var form = document.getElementById("product-form");
    if (!form) return;
    var input = document.getElementById("quantity-input");
    var notification = document.getElementById("cart-notification");

    function step(delta) {
      input.value = String(clampQuantity(Number(input.value) + delta, 1, 10));
    }
    document
      .getElementById("quantity-minus")
      .addEventListener("click", function () {
        step(-1);
      });
    document
      .getElementById("quantity-plus")
      .addEventListener("click", function () {
        step(1);
      });

    form.addEventListener("change", function (event) {
      if (event.target.name === "color") {
        document.getElementById("color-value").textContent = event.target.value;
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var cart = readCart();
      var quantity = clampQuantity(input.value, 1, 10);
      cart["linen-shirt"] = (cart["linen-shirt"] || 0) + quantity;
      writeCart(cart);
      var data = new FormData(form);
      document.getElementById("cart-notification-item").textContent =
        "Linen shirt, " + data.get("color") + " / " + data.get("size");
      notification.hidden = false;
    });

    document
      .getElementById("cart-notification-close")
      .addEventListener("click", function () {
        notification.hidden = true;
      });
    document.getElementById("buy-now").addEventListener("click", function () {
      document.getElementById("buy-now-message").hidden = false;
    });
    document
      .getElementById("size-guide-link")
      .addEventListener("click", function () {
        document.getElementById("size-guide").open = true;
      });
  }

  function setUpCartPage() {
    var form = document.getElementById("cart-form");
    if (!form) return;
    var rows = document.querySelectorAll(".cart-item");

    function render() {
      var cart = readCart();
      var subtotal = 0;
      rows.forEach(function (row) {
        var quantity = cart[row.dataset.handle] || 0;
        var lineTotal = quantity * Number(row.dataset.price);
        row.hidden = quantity === 0;
        row.querySelector("input").value = String(quantity);
        row.querySelector(".cart-item__total").textContent =
          formatMoney(lineTotal);
        subtotal += lineTotal;
      });
      document.getElementById("cart-subtotal").textContent =
        formatMoney(subtotal);
      form.hidden = subtotal === 0;
      document.getElementById("cart-empty").hidden = subtotal !== 0;
    }

    function setQuantity(handle, quantity) {
      var cart = readCart();
      cart[handle] = clampQuantity(quantity, 0, 10);
      writeCart(cart);
      render();
    }

    rows.forEach(function (row) {
      var handle = row.dataset.handle;
      var input = row.querySelector("input");
      row.querySelectorAll("[data-step]").forEach(function (button) {
        button.addEventListener("click", function () {
          setQuantity(
            handle,
            Number(input.value) + Number(button.dataset.step),
          );
        });
      });
      input.addEventListener("change", function () {
        setQuantity(handle, input.value);
      });
      row.querySelector("[data-remove]").addEventListener("click", function () {
        setQuantity(handle, 0);
      });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      document.getElementById("checkout-message").hidden = false;
    });
    render();
  }

  function setUpNewsletter() {
    var form = document.getElementById("newsletter-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.reset();
      document.getElementById("newsletter-message").hidden = false;
    });
  }

  renderCartCount(readCart());
  setUpMenu();
  setUpGallery();
  setUpProductForm();
  setUpCartPage();
  setUpNewsletter();
})();
