import os
import tempfile
import unittest

import numpy as np

from tests import support  # noqa: F401
from e2a_export import driver


def args(*extra):
    return driver.parse_args(["--ssv2a-config", __file__, "--out", os.path.join(tempfile.gettempdir(), "e2a-never-created"), *extra])


class ArgumentTests(unittest.TestCase):
    def assert_problem(self, namespace, *fragments):
        with self.assertRaises(driver.UsageError) as caught:
            driver.validate(namespace)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_every_missing_checkpoint_is_named_at_once(self):
        self.assert_problem(args(), "missing --sam2, --clip, --ssv2a, --audioldm", "--random-weights")

    def test_checkpoint_files_must_exist(self):
        self.assert_problem(args("--sam2", "/nonexistent/sam2.pt", "--clip", __file__, "--ssv2a", __file__, "--audioldm", __file__),
                            "--sam2 /nonexistent/sam2.pt: no such file")

    def test_random_weights_refuses_checkpoints_and_labels(self):
        self.assert_problem(args("--random-weights", "--clip", __file__), "remove --clip")
        self.assert_problem(args("--random-weights", "--labels", "cat,dog"), "--labels needs the CLAP text branch")

    def test_random_weights_alone_is_valid(self):
        driver.validate(args("--random-weights"))

    def test_out_must_be_new_or_empty(self):
        with tempfile.TemporaryDirectory() as folder:
            open(os.path.join(folder, "old.onnx"), "w").close()
            namespace = args("--random-weights")
            namespace.out = folder
            self.assert_problem(namespace, f"--out {folder}: exists and is not an empty folder")

    def test_labels_are_split_on_commas(self):
        self.assertEqual(["cat meowing", "dog barking"], driver.parse_labels(" cat meowing, dog barking ,,"))
        self.assert_problem(args("--random-weights", "--labels", " , "), "--labels: no label text given")

    def test_the_unconditional_embedding_file_must_hold_512_finite_floats(self):
        with tempfile.TemporaryDirectory() as folder:
            good, short, bad = (os.path.join(folder, n) for n in ("good.npy", "short.npy", "bad.npy"))
            np.save(good, np.ones((1, 512), dtype=np.float32))
            np.save(short, np.ones(100, dtype=np.float32))
            np.save(bad, np.full(512, np.nan, dtype=np.float32))
            self.assertEqual((512,), driver.read_embedding(good).shape)
            with self.assertRaisesRegex(driver.UsageError, "expected 512 floats"):
                driver.read_embedding(short)
            with self.assertRaisesRegex(driver.UsageError, "finite"):
                driver.read_embedding(bad)

    def test_main_reports_argument_problems_with_exit_code_2(self):
        self.assertEqual(2, driver.main(["--ssv2a-config", "/nonexistent.json", "--out", "/nonexistent/out", "--random-weights"]))


if __name__ == "__main__":
    unittest.main()
