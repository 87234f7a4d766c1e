print("my scratch experiments")
