/* The entry form's uploader: one Uppy Dashboard per file slot, sending files with Uppy's
 * official AwsS3 plugin (@uppy/aws-s3 6.1.0, in Uppy 6.0.1) in its `signRequest` mode.
 *
 * The plugin builds S3's REST requests itself (UploadPart, ListParts,
 * CompleteMultipartUpload, AbortMultipartUpload) and calls
 * signRequest({method, key, uploadId, partNumber?}) for each; it expects {url} back and
 * sends the request to that URL. The portal keeps control:
 * - a pre-processor asks the portal's start endpoint to open the upload: the portal
 *   creates it in storage under a key it generates (<edition>/<entry>/<uuid>, never the
 *   filename) and answers the key, the upload id and the part size. Handing the plugin
 *   that upload as its `s3Multipart` state makes it skip CreateMultipartUpload, so the
 *   browser is never given a URL that creates an upload or writes an object;
 * - the portal's sign endpoint signs only requests on that one open upload, a part only
 *   with its exact length, with a short expiry (S3: a presigned URL; local storage: the
 *   app's S3-compatible endpoint /storage/s3/<key> with an HMAC token). Once the upload
 *   is completed every URL signed for it is dead;
 * - a post-processor asks the portal to verify the finished object (verified, or
 *   rejected with the reason shown).
 * A file chosen again after a reload resumes: the start endpoint returns the same upload
 * and the plugin lists the parts already sent.
 *
 * Configuration comes from data- attributes (no inline script, see the CSP).
 */
(function () {
  "use strict";

  var U = window.Uppy;
  if (!U || !U.Uppy || !U.AwsS3) {
    return;
  }

  function PortalError(message, status) {
    var error = new Error(message);
    error.status = status;
    return error;
  }

  function api(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = PortalError(data.error || response.statusText, response.status);
          error.body = data;
          throw error;
        }
        return data;
      });
    });
  }

  var instances = [];

  function refresh(root) {
    var url = root.getAttribute("data-slots-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        instances.forEach(function (uppy) { uppy.destroy(); });
        instances = [];
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#entry-files");
        if (fresh) {
          root.replaceWith(fresh);
          init(fresh);
        }
      })
      .catch(function () { window.location.reload(); });
  }

  // Every slot's Dashboard has the same "browse files" button: give each one its slot's
  // name, so a screen reader's list of buttons tells them apart (WCAG 2.4.6).
  function nameButtons(el) {
    var slot = el.closest(".file-slot");
    var heading = slot && slot.querySelector("h3");
    if (!heading) {
      return;
    }
    var name = heading.textContent.replace(/\s+/g, " ").trim();
    var apply = function () {
      el.querySelectorAll("button").forEach(function (button) {
        var text = button.textContent.replace(/\s+/g, " ").trim();
        if (text && !button.hasAttribute("aria-label")) {
          button.setAttribute("aria-label", text + " — " + name);
        }
      });
    };
    apply();
    new MutationObserver(apply).observe(el, { childList: true, subtree: true });
  }

  // A refusal (e.g. an empty file refused at start) stays next to its slot, across the
  // refresh of the slots and a reload, until the entrant dismisses it.
  var REFUSALS = "portal-upload-refusals";

  function refusals() {
    try { return JSON.parse(window.sessionStorage.getItem(REFUSALS) || "{}"); } catch (e) { return {}; }
  }

  function keepRefusals(all) {
    try { window.sessionStorage.setItem(REFUSALS, JSON.stringify(all)); } catch (e) { /* private mode */ }
  }

  function showRefusal(root, key, text) {
    var card = root.querySelector("#slot-" + key);
    var rules = card && card.querySelector(".slot-rules");
    if (!rules) return;
    var old = card.querySelector(".upload-refusal");
    if (old) old.remove();
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible small py-2 upload-refusal";
    box.setAttribute("role", "alert");
    box.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", root.getAttribute("data-msg-dismiss") || "×");
    close.addEventListener("click", function () {
      var all = refusals();
      delete all[key];
      keepRefusals(all);
      box.remove();
    });
    box.appendChild(close);
    rules.insertAdjacentElement("afterend", box);
  }

  function init(root) {
    if (root.querySelector(".file-checking")) {
      watchChecking();
    }
    var stored = refusals();
    Object.keys(stored).forEach(function (key) { showRefusal(root, key, stored[key]); });
    var csrf = root.getAttribute("data-csrf");
    var startUrl = root.getAttribute("data-start-url");
    var partSize = Number(root.getAttribute("data-part-size")) || 16 * 1024 * 1024;
    var locale = root.getAttribute("data-locale") === "vi" && U.locales && U.locales.vi_VN;
    root.querySelectorAll(".file-uploader").forEach(function (el, index) {
      var accept = (el.getAttribute("data-accept") || "").split(",").filter(Boolean);
      var slotId = el.getAttribute("data-slot-id");
      var part = el.getAttribute("data-part") || null;
      var uppy = new U.Uppy({
        id: "slot-" + slotId + "-" + (part || "0") + "-" + index,
        autoProceed: true,
        locale: locale || undefined,
        restrictions: {
          allowedFileTypes: accept.length ? accept : null,
          maxFileSize: Number(el.getAttribute("data-max-size")) || null,
          maxNumberOfFiles: Number(el.getAttribute("data-max-files")) || null
        }
      });
      uppy.use(U.Dashboard, {
        inline: true,
        target: el,
        height: 220,
        width: "100%",
        note: el.getAttribute("data-note"),
        proudlyDisplayPoweredByUppy: false,
        showProgressDetails: true,
        hideRetryButton: false,
        hideCancelButton: false
      });
      nameButtons(el);

      function portal(file) {
        return (uppy.getFile(file.id) || file).meta.portal || null;
      }

      // 1. The portal allocates the row and the key before the plugin sees the file.
      uppy.addPreProcessor(function (fileIDs) {
        return Promise.all(fileIDs.map(function (id) {
          var file = uppy.getFile(id);
          if (!file || portal(file)) {
            return null;
          }
          return api(startUrl, csrf, {
            slot_id: slotId, part_number: part,
            filename: file.name, size: file.size, type: file.type || ""
          }).then(function (upload) {
            uppy.setFileMeta(id, { portal: upload });
            uppy.setFileState(id, { s3Multipart: { key: upload.key, uploadId: upload.uploadId } });
          }).catch(function (error) {
            uppy.emit("upload-error", uppy.getFile(id), error);
          });
        }));
      });

      // 2. The official plugin, signing every request through the portal.
      uppy.use(U.AwsS3, {
        limit: 3,
        allowedMetaFields: [],
        shouldUseMultipart: true,
        // The part size the portal signs for (files.services.upload_part_size).
        getChunkSize: function (file) {
          return Math.max(partSize, 5 * 1024 * 1024, Math.ceil(file.size / 10000));
        },
        generateObjectKey: function (file) {
          var upload = portal(file);
          // Never reached without a key: the pre-processor failed the file instead.
          return upload ? upload.key : "missing-key";
        },
        signRequest: function (request) {
          var file = uppy.getFiles().filter(function (f) {
            var upload = portal(f);
            return upload && upload.key === request.key;
          })[0];
          if (!file) {
            return Promise.reject(PortalError("Unknown upload", 0));
          }
          return api(portal(file).sign_request_url, csrf, {
            method: request.method, key: request.key,
            uploadId: request.uploadId, partNumber: request.partNumber
          }).then(function (signed) { return { url: signed.url }; });
        }
      });

      // 3. The portal verifies what arrived; a refusal shows its reason.
      uppy.addPostProcessor(function (fileIDs) {
        return Promise.all(fileIDs.map(function (id) {
          var file = uppy.getFile(id);
          var upload = file && portal(file);
          if (!upload || file.error || !file.progress.uploadComplete) {
            return null;
          }
          uppy.emit("postprocess-progress", file, { mode: "indeterminate", message: "…" });
          return api(upload.verify_url, csrf).then(function (result) {
            if (result.warning) {
              uppy.info(result.warning, "warning", 10000);
            }
          }).catch(function (error) {
            uppy.emit("upload-error", uppy.getFile(id), error);
          });
        }));
      });

      // Cancel: the portal aborts the upload in storage and forgets the row.
      uppy.on("file-removed", function (file, reason) {
        var upload = portal(file);
        if (upload && !file.progress.uploadComplete && reason !== "unmount") {
          api(upload.abort_url, csrf).catch(function () { /* gc cleans up */ });
        }
      });
      uppy.on("complete", function (result) {
        if (result.successful && result.successful.length && !(result.failed && result.failed.length)) {
          var all = refusals();
          delete all[slotId + (part ? "-" + part : "")];  // the slot got its file
          keepRefusals(all);
          setTimeout(function () { refresh(root); }, 800);
        }
      });
      uppy.on("upload-error", function (file, error) {
        // The portal's own answer carries its translated reason; anything else (the
        // storage's codes) gets the portal's plain message.
        var reason = error && error.status ? error.message : root.getAttribute("data-msg-storage");
        var key = slotId + (part ? "-" + part : "");
        var text = root.getAttribute("data-msg-failed") + " " + (file && file.name ? file.name + ": " : "") + reason;
        var all = refusals();
        all[key] = text;
        keepRefusals(all);
        showRefusal(root, key, text);
        if (error && (error.status === 422 || error.status === 409)) {
          setTimeout(function () { refresh(root); }, 4000); // show the rejected row and its reason
        }
      });
      instances.push(uppy);
    });
  }

  // A large file is verified by a job: while a slot shows "checking", fetch the slots
  // again every few seconds, but never while an upload is running (refresh() replaces
  // the uploaders).
  function busy() {
    return instances.some(function (uppy) {
      var files = uppy.getState().files || {};
      return Object.keys(files).some(function (id) {
        var p = files[id].progress || {};
        return p.uploadStarted && !p.uploadComplete;
      }) || Object.keys(files).some(function (id) {
        var p = files[id].progress || {};
        return p.uploadComplete && !files[id].error && p.postprocess;
      });
    });
  }

  var pollTimer = null;
  function watchChecking() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () {
      var current = document.getElementById("entry-files");
      if (!current || !current.querySelector(".file-checking")) {
        return;
      }
      if (busy()) {
        watchChecking();
      } else {
        refresh(current);
      }
    }, 3000);
  }

  var root = document.getElementById("entry-files");
  if (root) {
    init(root);
  }
}());
