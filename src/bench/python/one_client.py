"""One client, one image per request, visiting several served models in turn: the latency a lone
user sees when more than one model is loaded. Prints, per model, the median and 90th percentile
of the request's round trip and of the forward pass the service reports (inferenceMs).

usage: one_client.py BASE_URL IMAGE ROUNDS MODEL [MODEL ...]
   e.g. one_client.py http://127.0.0.1:8080 src/test/resources/images/pullover.jpg 100 googlenet googlenet-bn inception-v2
"""
import json
import statistics
import sys
import time
import urllib.request


def classify(base, model, image):
    request = urllib.request.Request(
        f"{base}/classify?model={model}&topK=1", data=image, headers={"Content-Type": "image/jpeg"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    return (time.perf_counter() - start) * 1000, answer["images"][0]["inferenceMs"]


def main():
    base, image_file, rounds, models = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    image = open(image_file, "rb").read()
    for model in models:
        for _ in range(5):
            classify(base, model, image)
    timings = {model: ([], []) for model in models}
    for _ in range(rounds):
        for model in models:
            total, forward = classify(base, model, image)
            timings[model][0].append(total)
            timings[model][1].append(forward)
    for model, (total, forward) in timings.items():
        q = lambda values, n: statistics.quantiles(values, n=10)[n - 1]
        print(f"{model}: round trip median {statistics.median(total):.1f} ms, p90 {q(total, 9):.1f} ms;"
              f" forward median {statistics.median(forward):.1f} ms, p90 {q(forward, 9):.1f} ms")


if __name__ == "__main__":
    main()
