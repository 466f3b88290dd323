/* The entry form's uploader: one Uppy Dashboard per file slot, sending files through the
 * portal's multipart protocol (start, sign part, PUT part, list parts, complete, abort).
 *
 * Why not Uppy's AwsS3 plugin: the bundled @uppy/aws-s3 (6.1.0, in Uppy 6.0.1) no longer
 * takes createMultipartUpload/signPart/listParts/completeMultipartUpload callbacks. It
 * offers signRequest/getCredentials (the browser then talks S3's XML API itself: creates,
 * lists and completes uploads, choosing the key) or a Companion endpoint (no CSRF header,
 * server error messages dropped, files under 5 MiB sent by presigned POST). None lets the
 * portal generate the key, verify the file on completion and report a translated reason,
 * and none works with the local backend. So this file registers a small uploader plugin
 * (PortalMultipart) with those same callbacks, on Uppy's public BasePlugin API.
 *
 * Configuration comes from data- attributes (no inline script, see the CSP).
 */
(function () {
  "use strict";

  var U = window.Uppy;
  if (!U || !U.Uppy || !U.BasePlugin) {
    return;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function PortalError(message, status, fatal) {
    var error = new Error(message);
    error.status = status;
    error.fatal = fatal; // do not retry: the server refused on purpose
    return error;
  }

  function api(url, method, csrf, body, signal) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      signal: signal,
      headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var fatal = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
          throw PortalError(data.error || response.statusText, response.status, fatal);
        }
        return data;
      });
    });
  }

  function putPart(url, blob, onProgress, signal) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          var etag = xhr.getResponseHeader("ETag");
          if (!etag) {
            reject(PortalError("The file store did not return an ETag (check its CORS rule).", 0, true));
          } else {
            resolve(etag.replace(/"/g, ""));
          }
          return;
        }
        var message = xhr.statusText;
        try { message = JSON.parse(xhr.responseText).error || message; } catch (e) { /* S3 XML */ }
        // 403: an expired link is signed again on retry; other 4xx are final.
        var fatal = xhr.status >= 400 && xhr.status < 500 && [403, 408, 429].indexOf(xhr.status) < 0;
        reject(PortalError(message, xhr.status, fatal));
      };
      xhr.onerror = function () { reject(PortalError("Network error", 0, false)); };
      xhr.onabort = function () { reject(PortalError("aborted", 0, true)); };
      if (signal) {
        signal.addEventListener("abort", function () { xhr.abort(); });
      }
      xhr.send(blob);
    });
  }

  function retrying(fn, delays, signal) {
    var attempt = 0;
    function run() {
      return fn().catch(function (error) {
        if ((signal && signal.aborted) || error.fatal || attempt >= delays.length) {
          throw error;
        }
        var wait = delays[attempt];
        attempt += 1;
        return sleep(wait).then(run);
      });
    }
    return run();
  }

  class PortalMultipart extends U.BasePlugin {
    constructor(uppy, opts) {
      super(uppy, opts);
      this.id = (opts && opts.id) || "PortalMultipart";
      this.type = "uploader";
      this.opts = Object.assign({ retryDelays: [0, 1000, 3000, 5000, 10000], limit: 3 }, opts);
      this.running = {};
      this.handleUpload = this.handleUpload.bind(this);
      this.onRemoved = this.onRemoved.bind(this);
    }

    install() {
      this.uppy.addUploader(this.handleUpload);
      this.uppy.on("file-removed", this.onRemoved);
    }

    uninstall() {
      this.uppy.removeUploader(this.handleUpload);
      this.uppy.off("file-removed", this.onRemoved);
    }

    // --- the callbacks, as the AwsS3 plugin of Uppy <= 4 named them -----------------------
    createMultipartUpload(file, signal) {
      return api(this.opts.startUrl, "POST", this.opts.csrf, {
        slot_id: this.opts.slotId, part_number: this.opts.part || null,
        filename: file.name, size: file.size, type: file.type || ""
      }, signal);
    }

    signPart(upload, number, signal) {
      return api(upload.sign_url + number, "POST", this.opts.csrf, null, signal);
    }

    listParts(upload, signal) {
      return api(upload.parts_url, "GET", this.opts.csrf, null, signal);
    }

    completeMultipartUpload(upload, parts, signal) {
      return api(upload.complete_url, "POST", this.opts.csrf, { parts: parts }, signal);
    }

    abortMultipartUpload(upload) {
      return api(upload.abort_url, "POST", this.opts.csrf).catch(function () { /* gc cleans up */ });
    }

    // ---------------------------------------------------------------------------------------
    onRemoved(file) {
      var state = this.running[file.id];
      if (state && !state.done) {
        state.controller.abort();
        if (state.upload) {
          this.abortMultipartUpload(state.upload); // cancel: the parts are discarded
        }
      }
      delete this.running[file.id];
    }

    handleUpload(fileIDs) {
      var self = this;
      var files = fileIDs.map(function (id) { return self.uppy.getFile(id); }).filter(Boolean);
      this.uppy.emit("upload-start", files);
      return Promise.allSettled(files.map(function (file) { return self.uploadFile(file); }));
    }

    uploadFile(file) {
      var self = this;
      var controller = new AbortController();
      var signal = controller.signal;
      var state = { controller: controller, upload: null, done: false };
      this.running[file.id] = state;
      var started = Date.now();
      var loaded = [];
      function progress() {
        var sum = loaded.reduce(function (a, b) { return a + b; }, 0);
        var current = self.uppy.getFile(file.id);
        if (current) {
          self.uppy.emit("upload-progress", current, {
            uploadStarted: started, bytesUploaded: Math.min(sum, file.size), bytesTotal: file.size
          });
        }
      }
      return this.createMultipartUpload(file, signal).then(function (upload) {
        state.upload = upload;
        var size = file.size;
        var partSize = upload.parts === 1 ? size : upload.part_size;
        var chunks = [];
        for (var i = 0; i < upload.parts; i++) {
          var start = i * partSize;
          chunks.push({ number: i + 1, start: start, end: i === upload.parts - 1 ? size : start + partSize });
        }
        loaded = chunks.map(function () { return 0; });
        var etags = {};
        var resumed = upload.resumed ? self.listParts(upload, signal).then(function (data) {
          data.parts.forEach(function (part) {
            var chunk = chunks[part.number - 1];
            if (chunk && part.size === chunk.end - chunk.start) {
              etags[part.number] = part.etag;
              loaded[part.number - 1] = part.size;
            }
          });
          progress();
        }) : Promise.resolve();
        return resumed.then(function () {
          var queue = chunks.filter(function (c) { return !etags[c.number]; });
          function worker() {
            var chunk = queue.shift();
            if (!chunk) {
              return Promise.resolve();
            }
            return retrying(function () {
              return self.signPart(upload, chunk.number, signal).then(function (signed) {
                return putPart(signed.url, file.data.slice(chunk.start, chunk.end), function (n) {
                  loaded[chunk.number - 1] = n;
                  progress();
                }, signal);
              });
            }, self.opts.retryDelays, signal).then(function (etag) {
              etags[chunk.number] = etag;
              loaded[chunk.number - 1] = chunk.end - chunk.start;
              progress();
              return worker();
            });
          }
          var workers = [];
          for (var w = 0; w < Math.min(self.opts.limit, Math.max(queue.length, 1)); w++) {
            workers.push(worker());
          }
          return Promise.all(workers);
        }).then(function () {
          var parts = chunks.map(function (c) { return { number: c.number, etag: etags[c.number] }; });
          return retrying(function () {
            return self.completeMultipartUpload(upload, parts, signal);
          }, self.opts.retryDelays.slice(0, 2), signal);
        });
      }).then(function (result) {
        state.done = true;
        var current = self.uppy.getFile(file.id);
        self.uppy.emit("upload-success", current, { status: 200, body: result });
        if (result.warning) {
          self.uppy.info(result.warning, "warning", 10000);
        }
        return result;
      }).catch(function (error) {
        if (signal.aborted) {
          return;
        }
        if (error.status === 422 || error.status === 409) {
          state.done = true; // refused on purpose: nothing to resume
        }
        var current = self.uppy.getFile(file.id);
        if (current) {
          self.uppy.emit("upload-error", current, error);
        }
        throw error;
      });
    }
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

  function init(root) {
    var csrf = root.getAttribute("data-csrf");
    var startUrl = root.getAttribute("data-start-url");
    var locale = root.getAttribute("data-locale") === "vi" && U.locales && U.locales.vi_VN;
    root.querySelectorAll(".file-uploader").forEach(function (el, index) {
      var accept = (el.getAttribute("data-accept") || "").split(",").filter(Boolean);
      var uppy = new U.Uppy({
        id: "slot-" + el.getAttribute("data-slot-id") + "-" + (el.getAttribute("data-part") || "0") + "-" + index,
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
      uppy.use(PortalMultipart, {
        startUrl: startUrl,
        csrf: csrf,
        slotId: el.getAttribute("data-slot-id"),
        part: el.getAttribute("data-part") || null
      });
      uppy.on("complete", function (result) {
        if (result.successful && result.successful.length && !(result.failed && result.failed.length)) {
          setTimeout(function () { refresh(root); }, 800);
        }
      });
      uppy.on("upload-error", function (file, error) {
        if (error && (error.status === 422 || error.status === 409)) {
          setTimeout(function () { refresh(root); }, 4000); // show the rejected row and its reason
        }
      });
      instances.push(uppy);
    });
  }

  var root = document.getElementById("entry-files");
  if (root) {
    init(root);
  }
}());
