import harness as H
H.train_data()
for step in range(3):
    H.log(step, 2.0 if step < 2 else float("nan"))
